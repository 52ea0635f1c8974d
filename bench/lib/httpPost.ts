import http from "node:http";

export type PostAnswer = Readonly<{ status: number; text: string }>;

/**
 * The runner's client for work it posts one request at a time (notifications, inbound messages):
 * node:http over keep-alive sockets. The global fetch (undici's WHATWG layer) cost the runner's
 * process about 0.4 ms more CPU a request on this 2-core machine (measured: 0.46-0.53 against
 * 0.09-0.10 ms, client and a bare server together), CPU that the side being measured shares. A
 * load generator should cost as little as it can; autocannon, which the HTTP benchmarks use, is
 * built the same way.
 */
export function httpPoster(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<PostAnswer> {
      return new Promise((resolve, reject) => {
        const request = http.request(url, {
          method: "POST",
          agent,
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        });
        request.on("error", reject);
        request.on("response", (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
        });
        request.end(body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
