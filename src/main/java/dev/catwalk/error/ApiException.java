package dev.catwalk.error;

/**
 * A failure whose cause is known and whose message is written for the client: a refused request,
 * a missing resource, a dependency that is down. The one failure mapping ({@link Failures}) answers
 * each subclass with its status and message; any other exception is a bug and becomes a 500 whose
 * details go only to the log. These carry no stack trace: they are outcomes, not defects.
 */
public abstract class ApiException extends RuntimeException {

  protected ApiException(String message) {
    super(message, null, false, false);
  }

  /** The HTTP status to answer with (also the failure code of an event-bus reply). */
  public abstract int status();
}
