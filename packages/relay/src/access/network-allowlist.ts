import { BlockList, isIP } from 'node:net';

/** Which client addresses may connect: IPv4 and IPv6 networks in CIDR form. */
export interface NetworkAllowlist {
  allows(address: string): boolean;
}

/** An IPv4 address a dual-stack listener reports in its IPv6 form (`::ffff:10.0.0.5`). */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

/** Builds the allowlist of `relay.allowedNetworks` (validated by the config schema). */
export function createNetworkAllowlist(networks: readonly string[]): NetworkAllowlist {
  const list = new BlockList();
  for (const network of networks) {
    const [address = '', bits] = network.trim().split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
    list.addSubnet(address, prefix, family);
  }
  return {
    allows(address: string): boolean {
      const plain = unmapped(address);
      const family = isIP(plain);
      if (family === 0) return false;
      return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/** True for a listener host on loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const plain = unmapped(host.replace(/^\[|\]$/g, ''));
  return plain === 'localhost' || plain === '::1' || /^127\.\d+\.\d+\.\d+$/.test(plain);
}
