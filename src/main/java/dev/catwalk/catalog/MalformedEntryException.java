package dev.catwalk.catalog;

/** A catalog row that cannot be read at all; the sync skips it and logs why (never a secret, never the whole row). */
public final class MalformedEntryException extends RuntimeException {

  public MalformedEntryException(String reason) {
    super(reason, null, false, false);
  }
}
