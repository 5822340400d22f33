// Twilio Studio (studio.twilio.com/v2) for the simulator: Flows, read only (seeded by tests), with
// the published definition whose `states` hold the widgets ("send-to-flex" names its `workflow`).
import { isoDate } from './clock';
import { notFound } from './errors';
import { newSid } from './sids';
import type { SimulatorModule, TwilioSimulator } from './simulator';

const HOST = 'https://studio.twilio.com';

/** A widget of a flow definition, as Studio exports it. */
export interface StudioState {
  name: string;
  type: string;
  transitions: { event: string; next?: string }[];
  properties: Record<string, unknown>;
}

export interface StudioFlowState {
  sid: string;
  friendlyName: string;
  states: StudioState[];
  revision: number;
  dateCreated: number;
}

export class StudioSim implements SimulatorModule {
  readonly flows = new Map<string, StudioFlowState>();
  private sim!: TwilioSimulator;

  register(sim: TwilioSimulator): void {
    this.sim = sim;
    sim.route('studio', 'GET', '/v2/Flows/{Sid}', (req) => {
      const flow = this.flows.get(req.pathParams.Sid);
      if (!flow) throw notFound(`/Flows/${req.pathParams.Sid}`);
      return { status: 200, body: this.flowJson(flow) };
    });
  }

  reset(): void {
    this.flows.clear();
  }

  snapshot(): unknown {
    return [...this.flows.values()];
  }

  /**
   * A published flow: the "Incoming Conversation" trigger, then for each workflow given a Send to
   * Flex widget routing to it (Task Channel "Programmable Chat", as Flex's setup guide asks).
   */
  addConversationsFlow(
    friendlyName: string,
    sendToFlexWorkflowSids: readonly string[],
    taskChannelSid = newSid('TC'),
  ): StudioFlowState {
    const widgets = sendToFlexWorkflowSids.map(
      (workflow, i): StudioState => ({
        name: `send_to_flex_${i + 1}`,
        type: 'send-to-flex',
        transitions: [{ event: 'callComplete' }, { event: 'failedToEnqueue' }, { event: 'callFailure' }],
        properties: {
          offset: { x: 0, y: 200 * (i + 1) },
          workflow,
          channel: taskChannelSid,
          attributes: '{"name": "{{trigger.conversation.ChannelAttributes.from}}"}',
        },
      }),
    );
    const trigger: StudioState = {
      name: 'Trigger',
      type: 'trigger',
      transitions: [
        { event: 'incomingMessage' },
        { event: 'incomingCall' },
        { event: 'incomingConversationMessage', next: widgets[0]?.name },
        { event: 'incomingRequest' },
      ],
      properties: { offset: { x: 0, y: 0 } },
    };
    const flow: StudioFlowState = {
      sid: newSid('FW'),
      friendlyName,
      states: [trigger, ...widgets],
      revision: 1,
      dateCreated: this.sim.clock.now(),
    };
    this.flows.set(flow.sid, flow);
    return flow;
  }

  private flowJson(flow: StudioFlowState): Record<string, unknown> {
    const url = `${HOST}/v2/Flows/${flow.sid}`;
    return {
      sid: flow.sid,
      account_sid: this.sim.accountSid,
      author_sid: null,
      friendly_name: flow.friendlyName,
      definition: {
        description: flow.friendlyName,
        states: flow.states,
        initial_state: 'Trigger',
        flags: { allow_concurrent_calls: true },
      },
      status: 'published',
      revision: flow.revision,
      commit_message: null,
      valid: true,
      errors: [],
      warnings: [],
      date_created: isoDate(flow.dateCreated),
      date_updated: null,
      webhook_url: `https://webhooks.twilio.com/v1/Accounts/${this.sim.accountSid}/Flows/${flow.sid}`,
      url,
      links: { revisions: `${url}/Revisions`, test_users: `${url}/TestUsers`, executions: `${url}/Executions` },
    };
  }
}
