package dev.catwalk.testsupport;

import dev.catwalk.db.DatabaseUrl;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test class shares across its tests: one Vert.x instance and, when asked for, its own fresh
 * database on the test server (see {@link TestDatabase}). Register as a static field:
 * {@code @RegisterExtension static final ClassResources resources = ClassResources.withDatabase();}
 */
public final class ClassResources implements BeforeAllCallback, AfterAllCallback {

  private final boolean withDatabase;
  private Vertx vertx;
  private DatabaseUrl database;

  private ClassResources(boolean withDatabase) {
    this.withDatabase = withDatabase;
  }

  /** A Vert.x instance and a fresh database for the class. */
  public static ClassResources withDatabase() {
    return new ClassResources(true);
  }

  /** Only a Vert.x instance. */
  public static ClassResources vertxOnly() {
    return new ClassResources(false);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    vertx = Vertx.vertx();
    if (withDatabase) {
      database = TestDatabase.create(vertx, context.getRequiredTestClass());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (database != null) {
        TestDatabase.drop(vertx, database);
      }
    } finally {
      vertx.close().await();
    }
  }

  /** The class's Vert.x instance. */
  public Vertx vertx() {
    return vertx;
  }

  /** The class's database. */
  public DatabaseUrl database() {
    if (database == null) {
      throw new IllegalStateException("registered without a database");
    }
    return database;
  }
}
