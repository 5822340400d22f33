import { flattenAttributes, flexSidsCustomData } from './custom-data';

describe('flattenAttributes (task attributes → session custom_data)', () => {
  it('prefixes top-level scalars with flex_ and keeps numbers and booleans as they are', () => {
    expect(flattenAttributes({ name: 'Ada', priority: 3, ratio: 0.5, vip: true, churned: false })).toEqual({
      flex_name: 'Ada',
      flex_priority: 3,
      flex_ratio: 0.5,
      flex_vip: true,
      flex_churned: false,
    });
  });

  it('flattens nested objects with _ (customer.tier → flex_customer_tier), at any depth', () => {
    expect(flattenAttributes({ customer: { tier: 'gold', address: { country: 'DE' } } })).toEqual({
      flex_customer_tier: 'gold',
      flex_customer_address_country: 'DE',
    });
  });

  it('encodes arrays as JSON strings', () => {
    expect(flattenAttributes({ tags: ['billing', 'urgent'], pairs: [{ a: 1 }, null] })).toEqual({
      flex_tags: '["billing","urgent"]',
      flex_pairs: '[{"a":1},null]',
    });
  });

  it('skips null and undefined, at the top level and nested', () => {
    const flat = flattenAttributes({ email: null, phone: undefined, customer: { tier: null, id: 7 } });
    expect(flat).toEqual({ flex_customer_id: 7 });
    expect(Object.keys(flat)).not.toContain('flex_email');
  });

  it('keeps a 1,000-character value whole and cuts a longer one to 1,000 characters', () => {
    const exact = 'x'.repeat(1000);
    const long = 'y'.repeat(1001) + 'TAIL';
    const flat = flattenAttributes({ exact, long });
    expect(flat.flex_exact).toBe(exact);
    expect(flat.flex_long).toBe('y'.repeat(1000));
  });

  it('never cuts an emoji in half: a lone surrogate is not valid text', () => {
    const note = `${'x'.repeat(999)}😀 and more`;
    const flat = flattenAttributes({ note });
    expect(flat.flex_note).toBe('x'.repeat(999));
    expect(() => encodeURIComponent(flat.flex_note as string)).not.toThrow();
  });

  it('cuts a long JSON-encoded array to 1,000 characters too', () => {
    const flat = flattenAttributes({ history: Array.from({ length: 500 }, (_, i) => `message-${i}`) });
    expect(typeof flat.flex_history).toBe('string');
    expect((flat.flex_history as string).length).toBe(1000);
    expect(flat.flex_history as string).toMatch(/^\["message-0","message-1",/);
  });

  it('leaves only strings, numbers and booleans (what OpenCX session custom_data accepts)', () => {
    const flat = flattenAttributes({ a: { b: { c: [1, { d: 2 }] } }, e: 'f', g: 1, h: true, i: null, j: {} });
    for (const value of Object.values(flat)) expect(['string', 'number', 'boolean']).toContain(typeof value);
    expect(flat).toEqual({ flex_a_b_c: '[1,{"d":2}]', flex_e: 'f', flex_g: 1, flex_h: true });
  });

  it('turns characters that are not letters, digits or _ in names into _', () => {
    expect(flattenAttributes({ 'customer.tier': 'gold', 'x-y z': 1 })).toEqual({
      flex_customer_tier: 'gold',
      flex_x_y_z: 1,
    });
  });

  it('copies the Flex attributes of a conversation task, including the SID attributes', () => {
    const flat = flattenAttributes({
      conversationSid: 'CH1',
      channelType: 'whatsapp',
      from: 'whatsapp:+15550001111',
      customers: { email: 'ada@example.com' },
    });
    expect(flat).toEqual({
      flex_conversationSid: 'CH1',
      flex_channelType: 'whatsapp',
      flex_from: 'whatsapp:+15550001111',
      flex_customers_email: 'ada@example.com',
    });
  });

  it('uses the given prefix', () => {
    expect(flattenAttributes({ tier: 'gold' }, 'crm')).toEqual({ crm_tier: 'gold' });
  });
});

describe('flexSidsCustomData', () => {
  it('stores the task, reservation and conversation SIDs under their flex_ names', () => {
    expect(flexSidsCustomData({ taskSid: 'WT1', reservationSid: 'WR1', conversationSid: 'CH1' })).toEqual({
      flex_task_sid: 'WT1',
      flex_reservation_sid: 'WR1',
      flex_conversation_sid: 'CH1',
    });
  });

  it('leaves out the SIDs it was not given (so a merge never blanks a stored one)', () => {
    expect(flexSidsCustomData({ taskSid: 'WT2' })).toEqual({ flex_task_sid: 'WT2' });
    expect(flexSidsCustomData({ reservationSid: '', conversationSid: 'CH2' })).toEqual({
      flex_conversation_sid: 'CH2',
    });
  });
});
