import { escapeHtml } from "../templates/escaping.js";

/**
 * A page that embeds the widget the way a bank's site would, with one script tag, for trying the
 * chat out (and for the browser test). Served by the hub, so its origin is always allowed.
 */
export function demoPage(tenant: { id: string; name: string }, publicBaseUrl: string): string {
  const id = escapeHtml(tenant.id);
  const snippet = escapeHtml(
    `<script src="${publicBaseUrl}/webchat/widget.js" data-tenant="${tenant.id}" defer></script>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Web chat demo: ${escapeHtml(tenant.name)}</title>
<style>body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
pre { background: #f4f6f8; padding: .75rem; overflow-x: auto; }</style>
</head>
<body>
<h1>${escapeHtml(tenant.name)}: web chat</h1>
<p>This page embeds the hub's web chat widget as a bank's site would, with one script tag:</p>
<pre><code>${snippet}</code></pre>
<p>Open the chat with the button at the bottom right, give a name and an e-mail address or a phone
number, and write. Each message reaches the service desk as a ticket or a comment; an agent's reply
appears here. Reload the page: the chat resumes. "Other device" gives a link that continues it elsewhere.</p>
<script src="/webchat/widget.js" data-tenant="${id}" defer></script>
</body>
</html>
`;
}
