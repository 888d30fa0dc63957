package dev.catwalk.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Finds a database when none is configured, trying each way in turn: for {@code serve}, a Postgres
 * answering on 127.0.0.1:5432 (database {@code catwalk}, created if needed), then an embedded
 * Postgres with its data under {@code CATWALK_HOME}; the tests use the same steps (their own data
 * directory, thrown away) and add their own last ones. When every step is unavailable the failure
 * names each with its reason and says how to set {@code DATABASE_URL}.
 */
public final class DatabaseLookup {

  private static final Logger LOG = LoggerFactory.getLogger(DatabaseLookup.class);

  private final List<Step> steps;
  private final String setting;

  /** A database that was found, what it is for people, and how to let go of it (stops an embedded server). */
  public record Found(DatabaseUrl url, String description, Supplier<Future<Void>> release) {

    /** A database that needs no release (a server someone else runs). */
    public static Found external(DatabaseUrl url, String description) {
      return new Found(url, description, Future::succeededFuture);
    }
  }

  /** One way of finding a database. */
  public interface Step {

    /** What it tries, for people ("a local Postgres on 127.0.0.1:5432"). */
    String name();

    /** The database, or a failed future with {@link Unavailable} (or any failure) saying why not. */
    Future<Found> attempt();
  }

  /** A step that cannot give a database here, with the reason for people. */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * @param setting the variable that would have named a database ({@code DATABASE_URL}, {@code TEST_DATABASE_URL})
   */
  public DatabaseLookup(String setting, List<Step> steps) {
    this.setting = setting;
    this.steps = List.copyOf(steps);
  }

  /** The lookup of {@code catwalk serve}: the local server, then the embedded one with its data in {@code home}. */
  public static DatabaseLookup forServe(Vertx vertx, Path home) {
    return new DatabaseLookup("DATABASE_URL", List.of(LocalDatabase.standard(vertx),
        EmbeddedDatabase.persistent(vertx, home.resolve(EmbeddedDatabase.FOLDER), LocalDatabase.DEFAULT_NAME)));
  }

  /** The same lookup with another step at the end. */
  public DatabaseLookup then(Step step) {
    List<Step> more = new ArrayList<>(steps);
    more.add(step);
    return new DatabaseLookup(setting, more);
  }

  /** Tries each step in order; the first database found wins. */
  public Future<Found> resolve() {
    return attempt(0, new ArrayList<>());
  }

  private Future<Found> attempt(int index, List<String> reasons) {
    if (index >= steps.size()) {
      return Future.failedFuture(new DatabaseException(setting + " is not set and no database was found:\n"
          + String.join("\n", reasons) + "\nPoint Catwalk at a database: export " + setting
          + "=postgres://USER:PASSWORD@HOST:5432/DATABASE", null));
    }
    Step step = steps.get(index);
    return step.attempt()
        .onSuccess(found -> LOG.info("{} is not set: using {}", setting, found.description()))
        .recover(e -> {
          String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
          reasons.add("  - " + step.name() + ": " + reason.replace("\n", "\n    "));
          if (!(e instanceof Unavailable)) {
            LOG.warn("{}: {}", step.name(), reason);
          }
          return attempt(index + 1, reasons);
        });
  }
}
