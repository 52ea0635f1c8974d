import { bearer, type TestHub } from "./testHub.js";

/** The request bodies of ../shared/spec/002, as partners send them (comments of the document removed). */
export const docExamples = {
  claim: {
    namaNasabah: "John Doe",
    mediaTransaksi: "ATM",
    jenisTransaksi: "PEMBELIAN",
    nominal: 500000,
    nomorRekening: "1234567890",
    nomorKartu: "****1234",
    claimReason: "Transaction failed but amount was deducted",
    claimDate: "2024-12-19T10:30:00Z",
    transactionId: "TXN123456789",
    referenceNumber: "REF987654321",
    atmId: "ATM001",
    description: "ATM transaction failed but money was debited from account",
  },
  claimUseCase: {
    namaNasabah: "Ahmad Suryanto",
    mediaTransaksi: "ATM",
    jenisTransaksi: "PEMBAYARAN",
    nominal: 150000,
    nomorKartu: "****5678",
    claimReason: "ATM tidak mengeluarkan uang tetapi saldo terpotong",
    atmId: "ATM_JKT_001",
    description: "Transaksi pembayaran di ATM gagal, uang tidak keluar tapi saldo berkurang",
  },
  ticket: {
    channel: "WHATSAPP",
    channelReferenceId: "wa_msg_123456",
    serviceType: "TECHNICAL_SUPPORT",
    customer: {
      name: "Jane Smith",
      email: "jane.smith@email.com",
      phone: "+628123456789",
      identifier: "CIF123456",
      branchCode: "001",
      department: "Personal Banking",
      preferredLanguage: "id",
    },
    ticket: {
      title: "Mobile Banking Login Issue",
      description: "Unable to login to mobile banking app. Getting error code 500.",
      priority: "HIGH",
      category: "INCIDENT",
      metadata: {
        errorCode: "ERR_500",
        deviceType: "Android",
        applicationVersion: "2.1.5",
        urgencyReason: "Need to transfer salary today",
        customFields: { customerSegment: "Premium", lastSuccessfulLogin: "2024-12-18T15:30:00Z" },
      },
    },
    integration: {
      webhookUrl: "https://your-system.com/webhook",
      apiVersion: "1.0",
      partnerId: "PARTNER_001",
      requestId: "req_123456789",
    },
  },
  mobileBanking: {
    channel: "EMAIL",
    serviceType: "MOBILE_BANKING",
    customer: { name: "Sarah Johnson", email: "sarah.j@email.com", identifier: "CIF789123" },
    ticket: {
      title: "Cannot access mobile banking",
      description: "App crashes every time I try to check balance",
      priority: "MEDIUM",
      metadata: { deviceType: "iPhone 14", applicationVersion: "3.2.1", errorCode: "APP_CRASH_001" },
    },
  },
  complaint: {
    channel: "WEB_PORTAL",
    serviceType: "COMPLAINT",
    customer: { name: "Robert Kim", email: "robert.kim@email.com", branchCode: "015" },
    ticket: {
      title: "Poor service at branch",
      description: "Long waiting time and unprofessional staff behavior",
      priority: "HIGH",
      category: "SERVICE_REQUEST",
      metadata: { incidentDate: "2024-12-18", branchVisited: "015", staffInvolved: "Not specified" },
    },
  },
  addComment: {
    action: "ADD_COMMENT",
    comment: "I have restarted my phone and cleared all app data, but the issue persists.",
  },
  updateStatus: { action: "UPDATE_STATUS", status: "CANCELLED" },
  addAttachment: {
    action: "ADD_ATTACHMENT",
    attachments: [
      {
        filename: "system_logs.txt",
        mimeType: "text/plain",
        size: 1024,
        content: "VGhpcyBpcyBhIHNhbXBsZSBsb2cgZmlsZQ==",
      },
    ],
  },
} as const;

/** A 1×1 PNG: real bytes, so magic-byte checks see a real image. */
export const tinyPngBase64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

export const partnerScopes = ["omnichannel:create", "omnichannel:read", "omnichannel:update"];

/** A partner system of one tenant, calling the service-desk API with its key. */
export async function partnerOf(hub: TestHub, slug: string, scopes: string[] = partnerScopes) {
  const credentials = await hub.createTenantWithKey(slug, scopes);
  const headers = (extra: Record<string, string> = {}) => ({
    ...bearer(credentials.key),
    "content-type": "application/json",
    ...extra,
  });
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await hub.request(path, {
      method,
      headers: headers(extra),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered and assert on it.
    const json = (text ? JSON.parse(text) : undefined) as Record<string, any>;
    return { status: res.status, headers: res.headers, body: json };
  };
  return {
    ...credentials,
    post: (path: string, body: unknown, extra?: Record<string, string>) => call("POST", path, body, extra),
    patch: (path: string, body: unknown) => call("PATCH", path, body),
    get: (path: string) => call("GET", path),
    raw: (path: string) => hub.request(path, { headers: headers() }),
  };
}

export type Partner = Awaited<ReturnType<typeof partnerOf>>;
