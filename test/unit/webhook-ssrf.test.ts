import { checkUrlForm, isPublicAddress, UnsafeUrlError } from '../../subgraphs/membership/webhooks/ssrf';
import { readWebhookConfig } from '../../subgraphs/membership/webhooks/config';
import { StartupError } from '../../subgraphs/kit/env';

describe('webhook SSRF rules', () => {
  it.each([
    '0.0.0.0',
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '198.18.0.1',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '2002:c0a8:0101::1',
    'fe80::1%eth0',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('allows http only outside production', () => {
    expect(() => checkUrlForm('http://example.com/', { allowHttp: false, allowPrivate: false })).toThrow(
      new UnsafeUrlError('url must be an https:// URL'),
    );
    expect(readWebhookConfig({}, 'production').policy).toEqual({ allowHttp: false, allowPrivate: false });
    expect(readWebhookConfig({}, 'development').policy).toEqual({ allowHttp: true, allowPrivate: false });
  });

  it('refuses WEBHOOK_ALLOW_PRIVATE_NETWORKS in production', () => {
    expect(() => readWebhookConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, 'production')).toThrow(StartupError);
    expect(readWebhookConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, 'test').policy.allowPrivate).toBe(true);
  });
});
