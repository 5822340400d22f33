// The router @twilio/flex-ui itself depends on (its ViewCollection routes views with it); the
// placement tests give Flex's ViewCollection a location with it, and move it. Only what they use is typed.
declare module 'react-router-dom' {
  import type React from 'react';

  export const MemoryRouter: React.ComponentType<{ initialEntries?: string[]; children?: React.ReactNode }>;
  export function useHistory(): { push(path: string): void };
}
