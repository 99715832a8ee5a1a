package org.cloudmesh.cms.set;

import picocli.CommandLine.Option;

/** {@code -h, --help} for each command and subcommand. */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
