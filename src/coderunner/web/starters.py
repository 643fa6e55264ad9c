"""What a learner's editor starts with in each language when a problem gives no starter code:
the shape every program of that language needs (reading input, Java's `Main` class)."""

from __future__ import annotations

NAMES = {"python": "Python", "javascript": "JavaScript", "java": "Java"}

STARTERS = {
    "python": "",
    "javascript": (
        "// Read all the input, one line per item\n"
        'const lines = require("fs").readFileSync(0, "utf8").split("\\n");\n'
        "\n"
        "console.log(lines[0]);\n"
    ),
    "java": (
        "import java.util.Scanner;\n"
        "\n"
        "public class Main {\n"
        "    public static void main(String[] args) {\n"
        "        Scanner in = new Scanner(System.in);\n"
        "        String line = in.nextLine();\n"
        "        System.out.println(line);\n"
        "    }\n"
        "}\n"
    ),
}


def starter_for(language: str, starter_code: str | None) -> str:
    """The problem's own starter code, or the language's template."""
    return starter_code or STARTERS.get(language, "")


def name_of(language: str) -> str:
    return NAMES.get(language, language.capitalize())
