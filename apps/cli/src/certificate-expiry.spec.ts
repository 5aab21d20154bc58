import { describeExpiry } from './certificate-expiry';

describe(describeExpiry.name, () => {
  const now = Date.parse('2026-12-03T12:00:00Z');

  it('should count whole days left, rounding down', () => {
    expect(describeExpiry('2027-01-02T12:00:00Z', now)).toBe('in 30 days');
    expect(describeExpiry('2027-01-02T11:59:59Z', now)).toBe('in 29 days');
    expect(describeExpiry('2026-12-04T13:00:00Z', now)).toBe('in 1 day');
    expect(describeExpiry('2026-12-03T12:00:01Z', now)).toBe('in less than a day');
  });

  it('should say EXPIRED from the moment it ends', () => {
    expect(describeExpiry('2026-12-03T12:00:00Z', now)).toBe('EXPIRED');
    expect(describeExpiry('2020-02-01T00:00:00Z', now)).toBe('EXPIRED');
  });
});
