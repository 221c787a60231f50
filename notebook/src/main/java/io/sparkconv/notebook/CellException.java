package io.sparkconv.notebook;

/**
 * A cell that did not compile or threw: {@code kind} names what went wrong (the exception's class, or
 * "CompileError"), the message is one line. Jupyter shows it as the cell's error; the kernel lives on.
 */
public final class CellException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String kind;

    CellException(String kind, String message) {
        // No stack trace: Jupyter's execute reply would list the kernel's own frames as the cell's traceback.
        super(message, null, false, false);
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    /** The line a notebook shows: {@code kind: message}. */
    public String line() {
        return kind + ": " + getMessage();
    }
}
