package dev.catwalk.deploy.fly;

import java.time.Duration;

/**
 * The fly backend's waits and retries.
 *
 * @param bootTimeout   how long a Machine may take to reach {@code started}
 * @param healthTimeout how long its runner may then take to answer {@code /health}
 * @param waitWindow    the longest single {@code wait} call (1–60 s); the Machine's state is looked at
 *                      between calls, so this bounds how late a Machine that failed to boot is noticed
 * @param pollInterval  delay between two {@code /health} requests to a booting runner
 * @param apiAttempts   tries per Machines API request that is safe to repeat
 * @param apiBackoff    delay before the first retry (doubled each time, with jitter; {@code Retry-After} wins)
 */
public record FlyTiming(Duration bootTimeout, Duration healthTimeout, Duration waitWindow, Duration pollInterval,
                        int apiAttempts, Duration apiBackoff) {
}
