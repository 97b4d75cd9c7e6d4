# Reads and checks deployment.json. The document must pass the project's JSON Schema
# (schema/deployment-config.schema.json, interpreted here for the keywords it uses) before anything is
# built from it: a failure throws once, listing every offending field, and nothing partial is returned.
{ lib }:
let
  inherit (builtins)
    toJSON
    isAttrs
    isList
    isString
    isInt
    isBool
    isFloat
    isNull
    ;

  # The one place naming the document version this library reads, and the schema describing it.
  # A new version changes these two lines and the code that reads it (2 added each service's backup).
  schemaVersion = 2;
  schema = lib.importJSON ../../schema/deployment-config.schema.json;

  jsonType =
    v:
    if isNull v then
      "null"
    else if isBool v then
      "boolean"
    else if isInt v then
      "integer"
    else if isFloat v then
      "number"
    else if isString v then
      "string"
    else if isList v then
      "array"
    else
      "object";
  show =
    v:
    let
      t = jsonType v;
    in
    if t == "object" || t == "array" then "an ${t}" else "${t} ${toJSON v}";
  typeIs =
    t: v:
    let
      actual = jsonType v;
    in
    actual == t || (t == "number" && actual == "integer");

  # Keywords the interpreter knows; a schema using another one is refused rather than half checked.
  keywords = [
    "$schema"
    "$id"
    "$ref"
    "title"
    "description"
    "default"
    "definitions"
    "type"
    "const"
    "enum"
    "minimum"
    "required"
    "properties"
    "additionalProperties"
    "items"
    "oneOf"
  ];
  field = at: name: if at == "" then name else "${at}.${name}";
  resolve =
    root: s:
    if s ? "$ref" then
      let
        ref = s."$ref";
      in
      if lib.hasPrefix "#/definitions/" ref then
        root.definitions.${lib.removePrefix "#/definitions/" ref}
      else
        throw "deployment library: unsupported $ref ${ref}"
    else
      s;

  # The errors of value v at path `at` against schema s (of root document `root`), as "path: message".
  check =
    root: s': at: v:
    let
      s = resolve root s';
      unknown = lib.subtractLists keywords (lib.attrNames s);
      where = if at == "" then "the document" else at;
      typeErrors = lib.optional (
        s ? type && !typeIs s.type v
      ) "${where}: expected ${
        if lib.elem s.type [ "integer" "object" "array" ] then "an ${s.type}" else "a ${s.type}"
      }, got ${show v}";
      constErrors = lib.optional (
        s ? const && v != s.const
      ) "${where}: must be ${toJSON s.const}, got ${toJSON v}";
      enumErrors = lib.optional (
        s ? enum && !lib.elem v s.enum
      ) "${where}: must be one of ${lib.concatMapStringsSep ", " toJSON s.enum}, got ${toJSON v}";
      minimumErrors = lib.optional (
        s ? minimum && (isInt v || isFloat v) && v < s.minimum
      ) "${where}: must be at least ${toString s.minimum}, got ${toJSON v}";
      objectErrors = lib.optionals (isAttrs v) (
        map (n: "${field at n}: missing") (lib.filter (n: !(v ? ${n})) (s.required or [ ]))
        ++ lib.optionals (s.additionalProperties or true == false) (
          map (n: "${field at n}: unknown field") (
            lib.filter (n: !((s.properties or { }) ? ${n})) (lib.attrNames v)
          )
        )
        ++ lib.concatLists (
          lib.mapAttrsToList (n: sub: lib.optionals (v ? ${n}) (check root sub (field at n) v.${n})) (
            s.properties or { }
          )
        )
      );
      itemErrors = lib.optionals (isList v && s ? items) (
        lib.concatLists (lib.imap0 (i: item: check root s.items "${at}[${toString i}]" item) v)
      );
      # oneOf as the schema uses it (null or an object): the alternatives whose type fits say what is wrong.
      oneOfErrors = lib.optionals (s ? oneOf) (
        let
          fitting = lib.filter (alt: !((resolve root alt) ? type) || typeIs (resolve root alt).type v) s.oneOf;
          results = map (alt: check root alt at v) fitting;
          passing = lib.filter (r: r == [ ]) results;
        in
        if lib.length passing == 1 then
          [ ]
        else if fitting == [ ] then
          [
            "${where}: expected ${
              lib.concatMapStringsSep " or " (alt: (resolve root alt).type or "?") s.oneOf
            }, got ${show v}"
          ]
        else if passing == [ ] then
          lib.concatLists results
        else
          [ "${where}: matches more than one alternative" ]
      );
    in
    if unknown != [ ] then
      throw "deployment library: the schema uses keywords it cannot check: ${toString unknown}"
    else if typeErrors != [ ] then
      typeErrors
    else
      constErrors ++ enumErrors ++ minimumErrors ++ objectErrors ++ itemErrors ++ oneOfErrors;

  refuse =
    errors:
    throw (
      "deployment.json is not a deployment configuration this library can read:\n"
      + lib.concatMapStrings (e: "  ${e}\n") errors
    );

  versionErrors =
    doc:
    if !isAttrs doc then
      [ "the document: expected an object, got ${show doc}" ]
    else if !(doc ? schemaVersion) then
      [ "schemaVersion: missing" ]
    else
      lib.optional (
        doc.schemaVersion != schemaVersion
      ) "schemaVersion: this library reads schemaVersion ${toString schemaVersion}, got ${toJSON doc.schemaVersion}";
in
{
  inherit schemaVersion check refuse;

  /**
    The document, checked against the schema of its version; throws listing every failure otherwise.
    `extraErrors` adds the checks of what the schema leaves open (known service types, their options).
  */
  validate =
    extraErrors: doc:
    let
      errors =
        let
          v = versionErrors doc;
        in
        if v != [ ] then
          v
        else
          let
            s = check schema schema "" doc;
          in
          if s != [ ] then s else extraErrors doc;
    in
    if errors == [ ] then doc else refuse errors;
}
