package dev.catwalk.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * bubblewrap's command line for one server process: new namespaces (user, PID with its own
 * {@code /proc}, IPC, UTS, cgroup; network unless the limits keep it), a new session, killed with its
 * parent; an empty root with the system directories read-only, a few files of {@code /etc}, the runtime
 * paths the server needs read-only, the deployment's own home read-write, a private {@code /tmp} and a
 * private working directory; then {@code prlimit} with the limits, then the server's command. Nothing
 * else of the host is visible. The environment is not on the command line: bubblewrap is started with
 * the server's environment only (it is PID 1 inside, and its {@code /proc/1/environ} is readable there).
 *
 * @param bwrap      the bubblewrap executable
 * @param prlimit    util-linux's prlimit, as seen inside the sandbox (it is under {@code /usr})
 * @param system     system paths: a directory is bound read-only, a symbolic link is recreated (merged-usr
 *                   systems link {@code /bin} to {@code usr/bin}); by path, with the link target or "" (a directory)
 * @param etc        files and directories of {@code /etc} bound read-only where they exist
 * @param readOnly   other host paths bound read-only at the same path (runtimes, class paths, operator binds)
 * @param home       the deployment's home on the host, bound read-write at {@link #HOME}
 * @param limits     the limits
 * @param command    the server's command line
 */
public record BwrapCommand(Path bwrap, Path prlimit, Map<String, String> system, List<String> etc,
                           List<Path> readOnly, Path home, SandboxLimits limits, List<String> command) {

  /** The server's {@code HOME} inside the sandbox (npm, uv and other caches live under it). */
  public static final String HOME = "/home/catwalk";
  /** The server's working directory inside the sandbox: empty at start, gone when the sandbox ends. */
  public static final String WORK_DIR = "/session";

  public BwrapCommand {
    system = Map.copyOf(system);
    etc = List.copyOf(etc);
    readOnly = List.copyOf(readOnly);
    command = List.copyOf(command);
  }

  /** The whole command line, bubblewrap first. */
  public List<String> toList() {
    List<String> args = new ArrayList<>(List.of(bwrap.toString(), "--die-with-parent", "--new-session",
        "--unshare-all"));
    if (limits.network()) {
      args.add("--share-net");
    }
    system.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
      if (!entry.getValue().isEmpty()) {
        args.addAll(List.of("--symlink", entry.getValue(), entry.getKey()));
      } else {
        args.addAll(List.of("--ro-bind", entry.getKey(), entry.getKey()));
      }
    });
    args.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
    for (String path : etc) {
      args.addAll(List.of("--ro-bind-try", path, path));
    }
    for (Path path : readOnly) {
      args.addAll(List.of("--ro-bind", path.toString(), path.toString()));
    }
    args.addAll(List.of("--bind", home.toString(), HOME, "--dir", WORK_DIR, "--chdir", WORK_DIR, "--",
        prlimit.toString(), "--data=" + limits.memoryMb() * 1024L * 1024L, "--nproc=" + limits.processes(),
        "--nofile=" + limits.openFiles(), "--"));
    args.addAll(command);
    return args;
  }
}
