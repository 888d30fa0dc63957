package dev.catwalk;

import dev.catwalk.cli.AdminCommand;
import dev.catwalk.cli.MigrateCommand;
import dev.catwalk.cli.RunnerCommand;
import dev.catwalk.cli.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import dev.catwalk.cli.ExitCodes;

import java.util.List;

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
    CommandLine line = new CommandLine(new Main());
    line.setParameterExceptionHandler(Main::usageError);
    return line;
  }

  /** A usage error: the message and the way to get help; for the runner, the command line with {@code --} where it belongs. */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    java.io.PrintWriter err = command.getErr();
    err.println("catwalk: " + e.getMessage());
    List<String> all = java.util.Arrays.asList(args);
    int runner = all.indexOf("runner");
    if ("runner".equals(command.getCommandName()) && runner >= 0 && !all.contains("--")
        && e instanceof CommandLine.UnmatchedArgumentException) {
      err.println("The server's command goes after -- (or in one string with --stdio), e.g.:");
      err.println("  " + dev.catwalk.cli.RunnerCommand.withDoubleDash(all.subList(runner + 1, all.size())));
    } else {
      err.println("See: catwalk " + (command.getParent() == null ? "" : command.getCommandName() + " ") + "--help");
    }
    return ExitCodes.USAGE;
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
