package io.dams.rules.lang;

import java.util.ArrayList;
import java.util.List;

/** Splits condition text into tokens, each with its char offsets; string literals also map every char back. */
final class ConditionLexer {

    enum Kind { WORD, NUMBER, STRING, LPAREN, RPAREN, LBRACE, RBRACE, COMMA, PLUS, MINUS, OPERATOR, RANGE, BAD, END }

    /**
     * @param value        a string literal's decoded value (else the text)
     * @param valueOffsets for a string literal, the offset in the condition text of each char of {@code value}
     * @param problem      for {@link Kind#BAD}, what is wrong
     */
    record Token(Kind kind, String text, int start, int end, String value, int[] valueOffsets, String problem) {

        static Token of(Kind kind, String source, int start, int end) {
            String text = source.substring(start, end);
            return new Token(kind, text, start, end, text, null, null);
        }

        boolean isWord(String word) {
            return kind == Kind.WORD && text.equalsIgnoreCase(word);
        }

        boolean isOperator(String symbol) {
            return kind == Kind.OPERATOR && text.equals(symbol);
        }

        /** How an error message names this token. */
        String describe() {
            return switch (kind) {
                case END -> "the end of the condition";
                case STRING -> "the string " + text;
                case NUMBER -> "the number " + text;
                default -> "'" + text + "'";
            };
        }
    }

    private final String text;
    private final List<ConditionError> errors;
    private int pos;

    private ConditionLexer(String text, List<ConditionError> errors) {
        this.text = text;
        this.errors = errors;
    }

    /** Every token, ending with {@link Kind#END}; escape errors inside strings go to {@code errors}. */
    static List<Token> tokens(String text, List<ConditionError> errors) {
        ConditionLexer lexer = new ConditionLexer(text, errors);
        List<Token> tokens = new ArrayList<>();
        Token t;
        do {
            t = lexer.next();
            tokens.add(t);
        } while (t.kind() != Kind.END);
        return tokens;
    }

    private Token next() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
        int start = pos;
        if (pos >= text.length()) {
            // Just past the last char that is not blank, so that "found the end" points at the line that ends early.
            int end = text.stripTrailing().length();
            return new Token(Kind.END, "", end, end, "", null, null);
        }
        char c = text.charAt(pos);
        switch (c) {
            case '(' -> { pos++; return Token.of(Kind.LPAREN, text, start, pos); }
            case ')' -> { pos++; return Token.of(Kind.RPAREN, text, start, pos); }
            case '{' -> { pos++; return Token.of(Kind.LBRACE, text, start, pos); }
            case '}' -> { pos++; return Token.of(Kind.RBRACE, text, start, pos); }
            case ',' -> { pos++; return Token.of(Kind.COMMA, text, start, pos); }
            case '+' -> { pos++; return Token.of(Kind.PLUS, text, start, pos); }
            case '-' -> { pos++; return Token.of(Kind.MINUS, text, start, pos); }
            case '"', '\'', '`' -> { return string(c); }
            case '[' -> { return range(); }
            default -> { }
        }
        if (c == '=' || c == '!' || c == '<' || c == '>') {
            return operator();
        }
        if (isDigit(c) || (c == '.' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1)))) {
            return number();
        }
        if (isWordStart(c)) {
            // Words run on over '.' and '-' so that 'cpu.percent' is reported as a name that cannot exist rather
            // than as a stray character.
            while (pos < text.length() && isWordPart(text.charAt(pos))) {
                pos++;
            }
            return Token.of(Kind.WORD, text, start, pos);
        }
        pos += Character.charCount(text.codePointAt(pos));
        String ch = text.substring(start, pos);
        String problem = c == '%'
                ? "unexpected '%': thresholds are plain numbers; write 90 for 90%"
                : "unexpected character '" + ch + "'";
        return new Token(Kind.BAD, ch, start, pos, ch, null, problem);
    }

    private Token operator() {
        int start = pos;
        char c = text.charAt(pos++);
        char n = pos < text.length() ? text.charAt(pos) : 0;
        if ((c == '=' && (n == '=' || n == '~')) || (c == '!' && (n == '=' || n == '~'))
                || ((c == '<' || c == '>') && n == '=')) {
            pos++;
        } else if (c == '!') {
            return new Token(Kind.BAD, "!", start, pos, "!", null,
                    "unexpected '!': write != or !~ in a label matcher, != in a comparison");
        }
        return Token.of(Kind.OPERATOR, text, start, pos);
    }

    private Token number() {
        int start = pos;
        // Maximal munch over anything number-like, so that '5m' or '0x1F' is one token the parser can name.
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (isDigit(c) || isLetter(c) || c == '.' || c == '_') {
                pos++;
            } else if ((c == '+' || c == '-') && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E')) {
                pos++;
            } else {
                break;
            }
        }
        return Token.of(Kind.NUMBER, text, start, pos);
    }

    private Token range() {
        int start = pos;
        int close = text.indexOf(']', pos);
        int stop = close < 0 ? text.length() : close + 1;
        pos = stop;
        String t = text.substring(start, stop);
        return new Token(Kind.RANGE, t, start, stop, t, null, null);
    }

    private Token string(char quote) {
        int start = pos++;
        StringBuilder value = new StringBuilder();
        List<Integer> offsets = new ArrayList<>();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == quote) {
                pos++;
                return new Token(Kind.STRING, text.substring(start, pos), start, pos, value.toString(),
                        offsets.stream().mapToInt(Integer::intValue).toArray(), null);
            }
            if (c == '\n' && quote != '`') {
                break;
            }
            if (c == '\\' && quote != '`') {
                if (pos + 1 >= text.length()) {
                    break;
                }
                char e = text.charAt(pos + 1);
                char decoded = switch (e) {
                    case '\\', '"', '\'' -> e;
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> 0;
                };
                if (decoded == 0) {
                    errors.add(new ConditionError(pos, 2, "unknown escape '\\" + e + "' in a " + quote + "..." + quote
                            + " string; write '\\\\" + e + "' for a backslash (a regex escape), or use a `...` raw"
                            + " string, where backslashes need no escaping"));
                    decoded = e;
                }
                value.append(decoded);
                offsets.add(pos);
                pos += 2;
                continue;
            }
            value.append(c);
            offsets.add(pos);
            pos++;
        }
        String t = text.substring(start, pos);
        return new Token(Kind.BAD, t, start, pos, t, null,
                "unclosed string: add the closing " + quote + (quote == '`' ? "" : " (on the same line)"));
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isWordStart(char c) {
        return isLetter(c) || c == '_' || c == ':' || Character.isLetter(c);
    }

    private static boolean isWordPart(char c) {
        return isWordStart(c) || isDigit(c) || c == '.' || c == '-' || Character.isLetterOrDigit(c);
    }
}
