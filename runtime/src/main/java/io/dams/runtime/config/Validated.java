package io.dams.runtime.config;

/** A configuration record that checks itself after loading, throwing {@link ConfigException} naming the key. */
public interface Validated {

    void validate();
}
