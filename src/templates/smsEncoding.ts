import { SegmentedMessage } from "sms-segments-calculator";

export type SmsEncodingReport = {
  encoding: "GSM-7" | "UCS-2";
  segments: number;
  characters: number;
  /** Characters outside GSM-7 that force the whole message into UCS-2 (70 characters a segment). */
  nonGsmCharacters: string[];
};

/**
 * How an SMS travels: GSM-7 (160 characters, 153 per part once split) unless one character is
 * outside it, then UCS-2 (70, 67 per part). Counted by Twilio's own segment calculator, which
 * knows the extension table (€, [, ] cost two) and characters outside the basic plane.
 */
export function smsEncodingOf(text: string): SmsEncodingReport {
  const message = new SegmentedMessage(text, "auto");
  return {
    encoding: message.encodingName,
    segments: message.segmentsCount,
    characters: message.numberOfCharacters,
    nonGsmCharacters: message.getNonGsmCharacters(),
  };
}
