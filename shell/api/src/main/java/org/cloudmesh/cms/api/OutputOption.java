package org.cloudmesh.cms.api;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The shared {@code --output} option: add with {@code @Mixin OutputOption output;}. */
public class OutputOption {
    @Option(names = "--output", paramLabel = "FORMAT", converter = OutputOption.Converter.class,
            description = "table, json, yaml or csv (default: variable 'output', else table)")
    public Format format;

    public static final class Converter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            return Format.parse(value);
        }
    }
}
