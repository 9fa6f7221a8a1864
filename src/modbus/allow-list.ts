/** Which client addresses may connect to a Modbus server: IPs and CIDR blocks. */
import net from 'node:net';

/** An allow-list entry is not an IP address or CIDR block. */
export class AllowListError extends Error {
  constructor(readonly entry: string) {
    super(`'${entry}' is not an IP address or CIDR block (e.g. 192.168.1.10 or 10.0.0.0/24)`);
    this.name = 'AllowListError';
  }
}

/** A BlockList that matches the allowed clients, or null when everyone is allowed. */
export function allowListOf(entries: readonly string[] | undefined): net.BlockList | null {
  if (!entries || entries.length === 0) return null;
  const list = new net.BlockList();
  for (const entry of entries) {
    const [ip, bits, extra] = entry.split('/');
    const family = net.isIP(ip ?? '');
    if (family === 0 || extra !== undefined) throw new AllowListError(entry);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(ip!, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
        throw new AllowListError(entry);
      list.addSubnet(ip!, prefix, type);
    }
  }
  return list;
}

/** True when the allow-list lets this remote address in (IPv4-mapped IPv6 addresses count as IPv4). */
export function isAllowed(list: net.BlockList | null, remote: string | undefined): boolean {
  if (list === null) return true;
  if (!remote) return false;
  const v4 = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
  return net.isIPv4(v4) ? list.check(v4, 'ipv4') : list.check(remote, 'ipv6');
}
