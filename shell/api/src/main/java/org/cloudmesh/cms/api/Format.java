package org.cloudmesh.cms.api;

import java.util.Locale;

/** The output formats every listing offers. */
public enum Format {
    TABLE, JSON, YAML, CSV;

    public static Format parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CmsException("unknown output format '" + s + "': use table, json, yaml or csv");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
