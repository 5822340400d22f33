/** The attributes Flex puts on a conversation's task: what a hand-back routes the AI back into. */
export const FLEX_CONVERSATION = {
  conversationSid: `CH${'2'.repeat(32)}`,
  flexInteractionSid: `KD${'3'.repeat(32)}`,
  flexInteractionChannelSid: `UO${'4'.repeat(32)}`,
} as const;
