import { format } from '../strings';

describe('format', () => {
  it('fills the placeholders it has values for and leaves the others', () => {
    expect(format('{count} of {total} ({missing})', { count: 3, total: 'ten' })).toBe('3 of ten ({missing})');
  });

  it('does not take a placeholder from the prototype', () => {
    expect(format('{toString}', {})).toBe('{toString}');
  });

  it('works in the oldest supported browsers, which have no Object.hasOwn', () => {
    const hasOwn = Object.hasOwn;
    try {
      delete (Object as { hasOwn?: unknown }).hasOwn;
      expect(format('{count} left', { count: 2 })).toBe('2 left');
    } finally {
      Object.hasOwn = hasOwn;
    }
  });
});
