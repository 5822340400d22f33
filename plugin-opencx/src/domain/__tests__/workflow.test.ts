import type { WorkflowRouting } from '../../api/settingsClient';
import { workflowStatus } from '../workflow';

const INBOUND = { sid: 'WW' + '1'.repeat(32), friendlyName: 'Inbound messaging' };
const VOICE = { sid: 'WW' + '2'.repeat(32), friendlyName: 'Voice' };
const EVIDENCE = 'Send to Flex "send_to_flex_1" in Studio flow "Inbound" (FW1) for address +15005550006 routes to it.';
const CONFLICT = `Flex's messaging goes to 2 workflows: "Inbound messaging" (${INBOUND.sid}) (…); "Voice" (${VOICE.sid}) (…).`;
const routing = (over: Partial<WorkflowRouting>): WorkflowRouting => ({
  workflows: [INBOUND, VOICE],
  inUse: null,
  unclear: null,
  discovered: { kind: 'found', workflowSid: INBOUND.sid, evidence: EVIDENCE },
  ...over,
});

describe('workflowStatus', () => {
  it('tells a discovered workflow from one the admin chose, even when they are the same', () => {
    const discovered = routing({ inUse: { ...INBOUND, why: EVIDENCE } });
    expect(workflowStatus(discovered, null)).toEqual({ inUse: { ...INBOUND, why: EVIDENCE, discovered: true } });

    const why = 'It is the workflow chosen in the OpenCX settings.';
    expect(workflowStatus(routing({ inUse: { ...INBOUND, why } }), INBOUND.sid)).toEqual({ inUse: { ...INBOUND, why, discovered: false } });
    expect(workflowStatus(routing({ inUse: { ...VOICE, why } }), VOICE.sid)).toEqual({ inUse: { ...VOICE, why, discovered: false } });
  });

  it('takes the only workflow as not discovered', () => {
    const why = "It is the workspace's only workflow.";
    const only = routing({ workflows: [VOICE], inUse: { ...VOICE, why }, discovered: { kind: 'none', reason: 'No evidence.' } });
    expect(workflowStatus(only, null)).toEqual({ inUse: { ...VOICE, why, discovered: false } });
  });

  it('says a conflict beside the chosen workflow, and only once when it is why none is in use', () => {
    const discovered = { kind: 'conflict' as const, reason: CONFLICT };
    const why = 'It is the workflow chosen in the OpenCX settings.';
    expect(workflowStatus(routing({ inUse: { ...VOICE, why }, discovered }), VOICE.sid)).toMatchObject({ conflict: CONFLICT });

    const unclear = { reason: `The workspace has 2 workflows and it is unclear which one routes your inbound conversations. ${CONFLICT}`, fix: 'Pick one.' };
    expect(workflowStatus(routing({ unclear, discovered }), null)).toEqual({ unclear });

    const gone = { reason: `The workflow ${'WW' + '3'.repeat(32)} chosen in the OpenCX settings is not in the workspace any more.`, fix: 'Pick one.' };
    expect(workflowStatus(routing({ unclear: gone, discovered }), 'WW' + '3'.repeat(32))).toEqual({ unclear: gone, conflict: CONFLICT });
  });
});
