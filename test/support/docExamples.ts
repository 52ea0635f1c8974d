/**
 * Plain data, no imports: the benchmarks send the same requests as the tests.
 */
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
