package dev.catwalk.crypto;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretBoxTest {

  private static byte[] key() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  @Test
  void sealsWithARandomNonceAndOpensInTheSameContext() {
    SecretBox box = new SecretBox(key(), null);
    SecretBox.Sealed first = box.seal("sk-live-ünïcode", "deployment:1:KEY");
    SecretBox.Sealed second = box.seal("sk-live-ünïcode", "deployment:1:KEY");

    assertThat(first.bytes()).isNotEqualTo(second.bytes());
    assertThat(first.bytes()).hasSize(12 + "sk-live-ünïcode".getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 16);
    assertThat(new String(first.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("sk-live");
    assertThat(box.open(first.keyId(), first.bytes(), "deployment:1:KEY")).isEqualTo("sk-live-ünïcode");
  }

  @Test
  void refusesAlteredValuesOtherContextsAndUnknownKeys() {
    SecretBox box = new SecretBox(key(), null);
    SecretBox.Sealed sealed = box.seal("value", "deployment:1:KEY");
    byte[] altered = sealed.bytes().clone();
    altered[20] ^= 1;

    assertThatThrownBy(() -> box.open(sealed.keyId(), altered, "deployment:1:KEY")).isInstanceOf(CryptoException.class)
        .hasMessageNotContaining("value");
    assertThatThrownBy(() -> box.open(sealed.keyId(), sealed.bytes(), "deployment:2:KEY"))
        .isInstanceOf(CryptoException.class);
    assertThatThrownBy(() -> new SecretBox(key(), null).open(sealed.keyId(), sealed.bytes(), "deployment:1:KEY"))
        .isInstanceOf(CryptoException.class).hasMessageContaining(sealed.keyId())
        .hasMessageContaining("CATWALK_ENCRYPTION_KEY_PREVIOUS");
    assertThatThrownBy(() -> box.open(sealed.keyId(), new byte[5], "deployment:1:KEY"))
        .isInstanceOf(CryptoException.class);
  }

  @Test
  void rotationOpensOldValuesAndResealsWithTheNewKey() {
    byte[] oldKey = key();
    byte[] newKey = key();
    SecretBox.Sealed old = new SecretBox(oldKey, null).seal("rotate me", "setting:githubToken");
    SecretBox rotated = new SecretBox(newKey, oldKey);

    SecretBox.Sealed resealed = rotated.reseal(old.keyId(), old.bytes(), "setting:githubToken");

    assertThat(resealed.keyId()).isEqualTo(SecretBox.keyId(newKey)).isNotEqualTo(old.keyId());
    assertThat(new SecretBox(newKey, null).open(resealed.keyId(), resealed.bytes(), "setting:githubToken"))
        .isEqualTo("rotate me");
  }

  @Test
  void keyIdsAreShortStableAndDistinct() {
    byte[] key = key();
    assertThat(SecretBox.keyId(key)).hasSize(16).isEqualTo(SecretBox.keyId(key.clone()));
    assertThat(SecretBox.keyId(key())).isNotEqualTo(SecretBox.keyId(key));
    assertThatThrownBy(() -> new SecretBox(new byte[16], null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tokensAreRandomHashedAndComparedByHash() {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      tokens.add(Tokens.newToken());
    }
    assertThat(tokens).hasSize(1000).allSatisfy(t -> assertThat(t).matches("cwk_[A-Za-z0-9_-]{43}"));
    String token = tokens.iterator().next();
    byte[] hash = Tokens.hash(token);
    assertThat(hash).hasSize(32);
    assertThat(Tokens.matches(token, hash)).isTrue();
    assertThat(Tokens.matches(token + "x", hash)).isFalse();
    assertThat(Tokens.matches(null, hash)).isFalse();
    assertThat(Tokens.displayPrefix(token)).hasSize(10).startsWith("cwk_");
    assertThat(Tokens.bearer("Bearer abc")).isEqualTo("abc");
    assertThat(Tokens.bearer("bearer  abc ")).isEqualTo("abc");
    assertThat(Tokens.bearer("Basic abc")).isNull();
    assertThat(Tokens.bearer("Bearer ")).isNull();
    assertThat(Tokens.bearer(null)).isNull();
    assertThat(Tokens.secretEquals("same", "same")).isTrue();
    assertThat(Tokens.secretEquals("same", "other")).isFalse();
  }
}
