import Core

/// Every process a run starts on a target carries `TBCTL_RUN=<project>/<run>/` (and its job's
/// `TBCTL_JOB=<project>/<run>/<job>/`): the job's shell in its command line, everything it
/// starts in its environment, inherited even by a daemon that leaves its process group.
/// Stopping a run (or one job) is then one command per target: find the processes whose
/// /proc/PID/cmdline or environ holds the tag, TERM them and their process groups, KILL what
/// is left after a grace period. This needs nothing but a POSIX
/// shell, grep and /proc (busybox guests have them), and works from any later process (the
/// next `tbctl run` after a kill -9), with no pid files to trust.
public struct ProcessTags: Sendable, Equatable {
    public let project: String
    public let run: Int64

    public init(project: String, run: Int64) { self.project = project; self.run = run }

    public var runTag: String { "TBCTL_RUN=\(project)/\(run)/" }
    public func jobTag(_ job: Int64) -> String { "TBCTL_JOB=\(project)/\(run)/\(job)/" }

    /// The command line that runs `command` for a job: the tags set (so the shell running it
    /// shows them in its command line) and exported (so everything it starts has them), then
    /// the command itself in the same shell: no extra process, which under TCG costs tens of
    /// milliseconds per job, and the command's exit status is the job's. The job's processes
    /// share a session of their own: SSH servers (OpenSSH, dropbear) start each command
    /// without a terminal in a new session, and the master's shell is started with setsid
    /// (LocalTarget).
    public func wrap(_ command: String, job: Int64) -> String {
        let run = runTag.split(separator: "=", maxSplits: 1)[1]
        let jobValue = jobTag(job).split(separator: "=", maxSplits: 1)[1]
        return "TBCTL_RUN='\(run)' TBCTL_JOB='\(jobValue)'; export TBCTL_RUN TBCTL_JOB; " + command
    }

    /// Shell lines setting `t` to the expression that finds `tag` both as the environment has
    /// it (`NAME=value`) and as a wrapped command line has it (`NAME='value'`), written so that
    /// the line itself does not match (the search must not find its own shell).
    static func pattern(_ tag: String) -> String {
        let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
        return "n='\(parts[0])'; v='\(parts.count > 1 ? parts[1] : "")'; t=\"$n='?$v\"; "
    }

    /// Stops every process carrying `tag`: TERM to each and its group, up to `grace` for them
    /// to go, then KILL; last a second search catches what started meanwhile. Forks are few
    /// (shell builtins read /proc/PID/stat): under TCG each costs tens of milliseconds. A
    /// zombie counts as gone: busybox init reaps orphans only once a second. Exits 0 when none
    /// is left (or there were none). Never signals its own process group (on the master that
    /// is tbctl's).
    /// (`grep -lE`, not `-F`: busybox's fixed-string search misses text in files with NUL
    /// bytes, and a tag has no regular-expression characters: project names are
    /// `[a-z0-9-]`.)
    public static func killCommand(_ tag: String, grace: Duration = .seconds(2)) -> String {
        let tries = max(1, Int(grace.components.seconds * 10 + grace.components.attoseconds / 100_000_000_000_000_000))
        return """
            \(pattern(tag))\
            pids() { for f in $(grep -lE "$t" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null); do f=${f#/proc/}; echo ${f%%/*}; done; }; \
            grp() { g=; { read -r s < /proc/$1/stat; } 2>/dev/null || return 0; s=${s##*) }; set -- $s; g=$3; }; \
            alive() { { read -r s < /proc/$1/stat; } 2>/dev/null || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }; \
            hit() { for i in $2; do grp $i; kill -$1 $i 2>/dev/null; \
            if [ -n "$g" ] && [ "$g" != "$me" ] && [ "$g" -gt 1 ]; then kill -$1 -- -$g 2>/dev/null; fi; done; }; \
            grp $$; me=$g; p=$(pids); [ -z "$p" ] && exit 0; hit TERM "$p"; \
            k=0; while [ $k -lt \(tries) ]; do a=; for i in $p; do alive $i && a="$a $i"; done; \
            [ -z "$a" ] && break; sleep 0.1; k=$((k+1)); done; \
            [ -n "$a" ] && hit KILL "$a"; p=$(pids); [ -z "$p" ] && exit 0; \
            hit KILL "$p"; sleep 0.2; p=$(pids); \
            [ -z "$p" ] || { echo "still running: $p" >&2; exit 1; }
            """
    }

    /// Lists the processes carrying `tag`, `PID COMMAND` per line (for checks and tests).
    public static func listCommand(_ tag: String) -> String {
        pattern(tag) + "for f in $(grep -lE \"$t\" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null); do p=${f#/proc/}; p=${p%%/*}; "
            + "echo \"$p $(cat /proc/$p/comm 2>/dev/null)\"; done | sort -u"
    }
}
