package org.cloudmesh.cms.api;

import java.util.Map;
import java.util.Optional;

/**
 * The persistent variable store ({@code $CLOUDMESH_HOME/variables.yaml}) shared by every cms process:
 * each change is read-modify-written under a file lock and replaced atomically, so concurrent shells
 * never lose each other's writes. Defaults are variables grouped by context ({@code global} by default).
 */
public interface Variables {
    String GLOBAL = "global";

    Optional<String> get(String name);

    void set(String name, String value);

    /** @return false when the variable did not exist */
    boolean delete(String name);

    /** All variables, sorted by name. */
    Map<String, String> all();

    void clear();

    Optional<String> getDefault(String context, String key);

    void setDefault(String context, String key, String value);

    boolean deleteDefault(String context, String key);

    boolean deleteContext(String context);

    /** context → (key → value), both sorted. */
    Map<String, Map<String, String>> defaults();
}
