package dev.catwalk;

import dev.catwalk.cli.AdminCommand;
import dev.catwalk.cli.MigrateCommand;
import dev.catwalk.cli.RunnerCommand;
import dev.catwalk.cli.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Command line entry point: {@code catwalk serve | migrate | runner | admin}, plus {@code --help} and {@code --version}. */
@Command(name = "catwalk",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs any MCP server as a hosted, authenticated Streamable HTTP endpoint.",
    subcommands = {ServeCommand.class, MigrateCommand.class, RunnerCommand.class, AdminCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command tree (tests use it to check that documented commands exist). */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code --version}: the build's version. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"catwalk " + BuildInfo.version()};
    }
  }
}
