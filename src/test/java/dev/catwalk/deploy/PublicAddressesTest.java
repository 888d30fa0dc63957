package dev.catwalk.deploy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;

/** The remote-URL filter against the IANA special-purpose registries (IP literals only: no DNS involved). */
class PublicAddressesTest {

  @ParameterizedTest
  @ValueSource(strings = {"100.64.0.1", "100.100.100.200", "100.127.255.255", "198.18.0.1", "198.19.255.254",
      "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b:1::1", "2002:7f00:1::", "2001:0:4136:e378::1",
      "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "192.0.0.8",
      "192.0.2.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "240.0.0.1", "255.255.255.255",
      "::", "::1", "::7f00:1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "fc00::1", "fd12::1", "fe80::1", "ff02::1",
      "2001:db8::1", "3fff::1", "100::1"})
  void specialPurposeAddressesAreRefused(String literal) throws UnknownHostException {
    assertThat(PublicAddresses.isPublic(InetAddress.getByName(literal))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.1", "198.17.255.255", "198.20.0.1",
      "2606:4700:4700::1111", "2001:4860:4860::8888", "64:ff9a::1"})
  void globallyReachableAddressesPass(String literal) throws UnknownHostException {
    assertThat(PublicAddresses.isPublic(InetAddress.getByName(literal))).isTrue();
  }
}
