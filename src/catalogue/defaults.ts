import type { ServiceType } from "../tickets/vocabulary.js";

export type ServiceEntry = { name: string; supportGroup: string; defaultTeam: string };

/**
 * The service catalogue a tenant starts with; its own rows (admin API) override these per type.
 * Names follow the bank's desk: the partner document shows "Mobile Banking Support" in the
 * "Technical Support" group, answered by the "IT Support Team".
 */
export const defaultServices: Record<ServiceType, ServiceEntry> = {
  CLAIM: {
    name: "Klaim Transaksi (KLAIM-OMNI)",
    supportGroup: "Transaction Claims",
    defaultTeam: "Claims Team",
  },
  REIMBURSEMENT: { name: "Reimbursement", supportGroup: "Transaction Claims", defaultTeam: "Claims Team" },
  DISPUTE: { name: "Transaction Dispute", supportGroup: "Transaction Claims", defaultTeam: "Claims Team" },
  COMPLAINT: {
    name: "Customer Complaint",
    supportGroup: "Customer Service",
    defaultTeam: "Customer Care Team",
  },
  INQUIRY: { name: "Customer Inquiry", supportGroup: "Customer Service", defaultTeam: "Customer Care Team" },
  FEEDBACK: {
    name: "Customer Feedback",
    supportGroup: "Customer Service",
    defaultTeam: "Customer Care Team",
  },
  TECHNICAL_SUPPORT: {
    name: "Technical Support",
    supportGroup: "Technical Support",
    defaultTeam: "IT Support Team",
  },
  ACCOUNT_ISSUE: {
    name: "Account Support",
    supportGroup: "Customer Service",
    defaultTeam: "Customer Care Team",
  },
  CARD_ISSUE: { name: "Card Services", supportGroup: "Card Services", defaultTeam: "Card Operations Team" },
  ATM_ISSUE: { name: "ATM Support", supportGroup: "Technical Support", defaultTeam: "ATM Operations Team" },
  MOBILE_BANKING: {
    name: "Mobile Banking Support",
    supportGroup: "Technical Support",
    defaultTeam: "IT Support Team",
  },
  INTERNET_BANKING: {
    name: "Internet Banking Support",
    supportGroup: "Technical Support",
    defaultTeam: "IT Support Team",
  },
  GENERAL_REQUEST: {
    name: "General Request",
    supportGroup: "Customer Service",
    defaultTeam: "Customer Care Team",
  },
  OTHER: { name: "Other", supportGroup: "Customer Service", defaultTeam: "Customer Care Team" },
};

/** Branch "001" is the head office in the bank's numbering. */
export const defaultBranches: Record<string, string> = { "001": "Kantor Pusat" };
