package org.cloudmesh.cms.set;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.cloudmesh.cms.api.Variables;

/** Variables in memory, for tests of the commands (the plugin cannot see the shell's file store). */
final class MemoryVariables implements Variables {
    final TreeMap<String, String> variables = new TreeMap<>();
    final TreeMap<String, TreeMap<String, String>> defaults = new TreeMap<>();
    /** Changes made: a command that fails must not make any. */
    int writes;

    @Override
    public Optional<String> get(String name) {
        return Optional.ofNullable(variables.get(name));
    }

    @Override
    public void set(String name, String value) {
        writes++;
        variables.put(name, value);
    }

    @Override
    public boolean delete(String name) {
        if (variables.remove(name) == null) return false;
        writes++;
        return true;
    }

    @Override
    public Map<String, String> all() {
        return Collections.unmodifiableMap(new TreeMap<>(variables));
    }

    @Override
    public void clear() {
        if (!variables.isEmpty()) writes++;
        variables.clear();
    }

    @Override
    public Optional<String> getDefault(String context, String key) {
        Map<String, String> c = defaults.get(context);
        return Optional.ofNullable(c == null ? null : c.get(key));
    }

    @Override
    public void setDefault(String context, String key, String value) {
        writes++;
        defaults.computeIfAbsent(context, c -> new TreeMap<>()).put(key, value);
    }

    @Override
    public boolean deleteDefault(String context, String key) {
        TreeMap<String, String> c = defaults.get(context);
        if (c == null || c.remove(key) == null) return false;
        if (c.isEmpty()) defaults.remove(context);
        writes++;
        return true;
    }

    @Override
    public boolean deleteContext(String context) {
        if (defaults.remove(context) == null) return false;
        writes++;
        return true;
    }

    @Override
    public Map<String, Map<String, String>> defaults() {
        Map<String, Map<String, String>> copy = new TreeMap<>();
        defaults.forEach((c, m) -> copy.put(c, new TreeMap<>(m)));
        return copy;
    }
}
