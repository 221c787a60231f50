package io.sparkconv.notebook;

import java.util.List;

/** The snippets every kernel and shell session starts with: the project's packages, Spark's, and {@code spark}. */
public final class Startup {
    static final List<String> IMPORTS = List.of(
            "import java.nio.file.*;",
            "import java.util.*;",
            "import org.apache.spark.sql.*;",
            "import org.apache.spark.sql.types.*;",
            "import org.apache.spark.ml.Pipeline;",
            "import org.apache.spark.ml.PipelineModel;",
            "import org.apache.spark.ml.PipelineStage;",
            "import io.sparkconv.core.conv.*;",
            "import io.sparkconv.core.spec.*;",
            "import io.sparkconv.core.keras.*;",
            "import io.sparkconv.core.tensor.*;",
            "import io.sparkconv.datasets.*;",
            "import io.sparkconv.datasets.image.*;",
            "import io.sparkconv.datasets.npy.*;",
            "import io.sparkconv.datasets.spark.*;",
            "import io.sparkconv.spark.job.*;",
            "import io.sparkconv.spark.ml.*;",
            "import io.sparkconv.notebook.*;",
            "import static io.sparkconv.notebook.Notebook.*;");

    static final String SPARK = "SparkSession spark = io.sparkconv.notebook.Notebook.spark();";

    private Startup() {
    }

    /** The start-up as one JShell script. */
    public static String script() {
        return String.join("\n", IMPORTS) + "\n" + SPARK + "\n";
    }
}
