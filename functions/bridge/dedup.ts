/** The claim maps (`opencx_dedup_0..7`); see CLAIM_MAPS. */
export const DEDUP_SHARDS = 8;
/** One-shot claims (a customer message, an AI answer, a handoff note) are remembered this long. */
export const DEDUP_TTL_SECONDS = 3600;

/** A customer message is claimed by its SID: Twilio's retries carry the same SID, two "ok"s do not. */
export const messageClaimKey = (messageSid: string): string => `msg_${messageSid}`;
