package dev.catwalk.deploy;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Which addresses a remote MCP server may have: globally reachable unicast only. Everything in the IANA
 * IPv4 and IPv6 special-purpose address registries that is not globally reachable is refused (loopback,
 * private, shared address space 100.64.0.0/10 with its cloud metadata addresses, link-local, benchmarking
 * 198.18.0.0/15, documentation, multicast, reserved), and so are the IPv6 prefixes that embed an IPv4
 * address (NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo in 2001::/23), which could
 * reach any of those. IPv4-mapped IPv6 addresses arrive as their IPv4 address.
 */
public final class PublicAddresses {

  private static final List<IpSubnetFilterRule> NOT_PUBLIC = List.of(
      rule("0.0.0.0", 8), rule("10.0.0.0", 8), rule("100.64.0.0", 10), rule("127.0.0.0", 8),
      rule("169.254.0.0", 16), rule("172.16.0.0", 12), rule("192.0.0.0", 24), rule("192.0.2.0", 24),
      rule("192.31.196.0", 24), rule("192.52.193.0", 24), rule("192.88.99.0", 24), rule("192.168.0.0", 16),
      rule("192.175.48.0", 24), rule("198.18.0.0", 15), rule("198.51.100.0", 24), rule("203.0.113.0", 24),
      rule("224.0.0.0", 4), rule("240.0.0.0", 4),
      rule("::", 96), rule("::1", 128), rule("64:ff9b::", 96), rule("64:ff9b:1::", 48),
      rule("100::", 64), rule("2001::", 23), rule("2001:db8::", 32), rule("2002::", 16), rule("3fff::", 20),
      rule("5f00::", 16), rule("fc00::", 7), rule("fe80::", 10), rule("fec0::", 10), rule("ff00::", 8));

  private PublicAddresses() {
  }

  /** Whether {@code address} is globally reachable unicast (not in any refused block). */
  public static boolean isPublic(InetAddress address) {
    InetSocketAddress socket = new InetSocketAddress(address, 0);
    return NOT_PUBLIC.stream().noneMatch(rule -> rule.matches(socket));
  }

  private static IpSubnetFilterRule rule(String network, int prefix) {
    return new IpSubnetFilterRule(network, prefix, IpFilterRuleType.REJECT);
  }
}
