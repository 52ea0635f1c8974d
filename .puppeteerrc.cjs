/**
 * whatsapp-web.js depends on puppeteer, whose install step would download a Chrome build. The hub
 * never uses that download: the gateway role runs Debian's /usr/bin/chromium. Keep it off.
 */
module.exports = { skipDownload: true };
