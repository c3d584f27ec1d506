package io.dams.query.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.javalin.security.RouteRole;
import java.util.Locale;

/** What a token may do; each role may do everything the roles before it may. */
public enum Role implements RouteRole {
    /** Reads assets, metrics and alerts. */
    VIEWER,
    /** Also acts on alerts and rules (silences, acknowledgements). */
    OPERATOR,
    /** Also manages tokens and the service itself. */
    ADMIN;

    /** Whether a holder of this role may use a route that needs {@code required}. */
    public boolean includes(Role required) {
        return compareTo(required) >= 0;
    }

    @JsonCreator
    public static Role parse(String name) {
        for (Role role : values()) {
            if (role.name().equalsIgnoreCase(name.strip())) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "'; one of viewer, operator, admin");
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
