package dev.catwalk.deploy;

import dev.catwalk.crypto.SecretBox;
import io.vertx.core.Future;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deployment's configuration as its server process gets it: plain values and decrypted secrets
 * by variable name, plus Catwalk's own per-deployment secrets (the runner token a Fly Machine
 * requires), which never reach the server's environment under their internal names. Built only
 * when a server is started; never logged, never returned by the API.
 *
 * @param plain       non-secret values, as strings
 * @param secrets     secret values, decrypted
 * @param runnerToken the bearer token the deployment's runner requires (remote backends), or null
 */
public record DeploymentEnv(Map<String, String> plain, Map<String, String> secrets, String runnerToken) {

  /** Name under which the runner token is stored among a deployment's secrets (never a variable name). */
  public static final String RUNNER_TOKEN = "catwalk:runner-token";

  public DeploymentEnv {
    plain = Map.copyOf(plain);
    secrets = Map.copyOf(secrets);
  }

  /** Every variable, plain and secret: the server process's environment. */
  public Map<String, String> variables() {
    Map<String, String> all = new LinkedHashMap<>(plain);
    all.putAll(secrets);
    return all;
  }

  /** Every decrypted secret value: the secrets and the runner token (what logs must redact). */
  public List<String> secretValues() {
    List<String> values = new java.util.ArrayList<>(secrets.values());
    if (runnerToken != null) {
      values.add(runnerToken);
    }
    return values;
  }

  /** Loads and decrypts a deployment's configuration. */
  public static Future<DeploymentEnv> load(DeploymentRepository repository, SecretBox box, Deployment deployment) {
    return repository.secrets(deployment.id()).map(sealed -> open(box, deployment, sealed));
  }

  private static DeploymentEnv open(SecretBox box, Deployment deployment, List<DeploymentRepository.SealedSecret> sealed) {
    Map<String, String> plain = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : deployment.config()) {
      plain.put(entry.getKey(), DeploymentConfig.asEnvValue(entry.getValue()));
    }
    Map<String, String> secrets = new LinkedHashMap<>();
    String runnerToken = null;
    for (DeploymentRepository.SealedSecret secret : sealed) {
      String value = box.open(secret.keyId(), secret.ciphertext(),
          DeploymentRepository.secretContext(deployment.id(), secret.name()));
      String problem = dev.catwalk.error.Validation.uncarriable(value);
      if (problem != null) {
        throw new dev.catwalk.error.ConflictException("config." + secret.name() + ": the stored value " + problem
            + "; set it again");
      }
      if (secret.name().equals(RUNNER_TOKEN)) {
        runnerToken = value;
      } else {
        secrets.put(secret.name(), value);
      }
    }
    return new DeploymentEnv(plain, secrets, runnerToken);
  }
}
