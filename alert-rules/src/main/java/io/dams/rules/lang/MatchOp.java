package io.dams.rules.lang;

import java.util.Optional;

/** Label matcher operators, as in PromQL. */
public enum MatchOp {
    EQUAL("="), NOT_EQUAL("!="), REGEX("=~"), NOT_REGEX("!~");

    private final String symbol;

    MatchOp(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    public boolean isRegex() {
        return this == REGEX || this == NOT_REGEX;
    }

    public static Optional<MatchOp> bySymbol(String symbol) {
        for (MatchOp op : values()) {
            if (op.symbol.equals(symbol)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
