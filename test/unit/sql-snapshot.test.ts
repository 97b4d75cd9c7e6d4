import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import ts from "typescript";
import { committedQueries, renderQueries } from "../../src/cli/sql-commands.js";

// A string that starts like an SQL statement (a fragment, `WHERE …` or `t.id = $1`, does not), or is one word of
// transaction control.
const STATEMENT =
  /^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|WITH|LOCK|SET|CREATE|DROP|ALTER|TRUNCATE|LISTEN|UNLISTEN|NOTIFY|VALUES|COPY|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|DECLARE|FETCH|CLOSE|ANALYZE|VACUUM|SHOW|RESET|GRANT|REVOKE|EXPLAIN)\s|^\s*(BEGIN|COMMIT|ROLLBACK)$/;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

/** Every literal in src/ reading like an SQL statement that is not the text of sql() or sqlTemplate(). */
function unnamedStatements(): string[] {
  const found: string[] = [];
  // The one-statement read planner writes a statement per GraphQL operation from the modules' projections: there
  // is no fixed text to name. Its statements are checked against the resolvers instead (test/integration/sql-read.test.ts).
  const generated = join("src", "graphql", "sql-read");
  for (const file of sourceFiles("src").filter((f) => !f.startsWith(generated))) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const text =
        ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
          ? node.text
          : ts.isTemplateExpression(node)
            ? node.head.text
            : null;
      // A foreign key's ON DELETE action ("SET NULL") is no statement.
      if (text !== null && STATEMENT.test(text) && !/^SET (NULL|DEFAULT)$/.test(text)) {
        const call = node.parent;
        const named =
          ts.isCallExpression(call) &&
          ["sql", "sqlTemplate", "byIdSql", "byParentSql"].includes(call.expression.getText(source)) &&
          call.arguments[1] === node;
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        if (!named) found.push(`${file}:${line}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe("the SQL snapshot (schema/queries)", () => {
  it("is what the code's named statements are: run npm run sql:emit and commit the diff", async () => {
    expect(Object.fromEntries(await committedQueries())).toEqual(Object.fromEntries(await renderQueries()));
  });

  it("has every statement of the code: each is named where it is defined (sql, sqlTemplate)", () => {
    expect(unnamedStatements()).toEqual([]);
  });
});
