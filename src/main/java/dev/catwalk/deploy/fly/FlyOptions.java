package dev.catwalk.deploy.fly;

/**
 * The fly backend's settings.
 *
 * @param apiUrl      Machines API base URL
 * @param apiToken    token given as {@code CATWALK_FLY_API_TOKEN}, or null (then the {@code flyApiToken} setting)
 * @param org         organization slug, or null when the fly backend is not configured
 * @param region      region of new Machines, or null
 * @param image       runner image, or null when the fly backend is not configured
 * @param cpuKind     {@code shared} or {@code performance}
 * @param cpus        CPUs per Machine
 * @param memoryMb    memory per Machine (a multiple of 256)
 * @param machineUrl  template of a Machine's runner MCP URL
 * @param runnerPort  the runner's port inside the Machine
 * @param appPrefix   prefix of per-deployment app names
 * @param timing      how long the fly backend waits, and how often it asks again; null (and not read)
 *                    while the fly backend is not configured
 */
public record FlyOptions(String apiUrl, String apiToken, String org, String region, String image, String cpuKind,
                         int cpus, int memoryMb, String machineUrl, int runnerPort, String appPrefix,
                         FlyTiming timing) {

  /** Whether deployments may choose the fly backend. */
  public boolean configured() {
    return org != null && image != null;
  }

  @Override
  public String toString() {
    return "FlyOptions[apiUrl=" + apiUrl + ", org=" + org + ", image=" + image + ", token=" + (apiToken == null
        ? "(setting)" : "****") + "]";
  }
}
