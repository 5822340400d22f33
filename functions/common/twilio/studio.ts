// Studio: a flow's published definition, read to find its "Send to Flex" widgets.
import { TwilioProductApi } from './base';

/** A widget of a flow definition: `type` (`send-to-flex`, …) and its `properties`. */
export interface StudioWidget {
  name: string;
  type: string;
  properties: Record<string, unknown>;
}

export interface StudioFlow {
  sid: string;
  friendlyName: string;
  widgets: StudioWidget[];
}

export class StudioApi extends TwilioProductApi {
  /** Undefined when the flow does not exist. */
  async fetchFlow(flowSid: string): Promise<StudioFlow | undefined> {
    const flow = await this.unlessNotFound(() => this.client.studio.v2.flows(flowSid).fetch());
    if (!flow) return undefined;
    const states: unknown = (flow.definition as { states?: unknown } | null)?.states;
    const widgets = (Array.isArray(states) ? states : []).flatMap((state): StudioWidget[] => {
      if (!state || typeof state !== 'object') return [];
      const { name, type, properties } = state as Record<string, unknown>;
      return [
        {
          name: String(name ?? ''),
          type: String(type ?? ''),
          properties: properties && typeof properties === 'object' ? (properties as Record<string, unknown>) : {},
        },
      ];
    });
    return { sid: flow.sid, friendlyName: flow.friendlyName ?? '', widgets };
  }
}
