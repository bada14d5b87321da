/**
 * Spark SQL data types as `spark_udf` needs them (spark.md 4): DDL parsing and printing, the
 * validity check of an explicit `result_type`, and inference from a model's output schema.
 */
import {
  ArrayType,
  AnyType,
  ColSpec,
  MapType,
  MlflowException,
  ObjectType,
  TensorSpec,
  type ColumnType,
  type Schema,
} from '@pyfunc/format';

/** A Spark primitive type, by its `simpleString()` name. */
export type SparkPrimitiveName =
  | 'tinyint' | 'smallint' | 'int' | 'bigint' | 'float' | 'double' | 'boolean' | 'string'
  | 'binary' | 'date' | 'timestamp' | 'timestamp_ntz' | 'void' | 'variant';

/** A Spark SQL data type (the subset of PySpark's `DataType` a UDF result can name). */
export type SparkType =
  | { readonly kind: 'primitive'; readonly name: SparkPrimitiveName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'array'; readonly element: SparkType }
  | { readonly kind: 'map'; readonly key: SparkType; readonly value: SparkType }
  | { readonly kind: 'struct'; readonly fields: readonly SparkField[] };

/** One field of a struct type. */
export interface SparkField {
  readonly name: string;
  readonly type: SparkType;
}

const primitiveAliases: Record<string, SparkPrimitiveName> = {
  tinyint: 'tinyint', byte: 'tinyint', smallint: 'smallint', short: 'smallint',
  int: 'int', integer: 'int', bigint: 'bigint', long: 'bigint', float: 'float', real: 'float',
  double: 'double', boolean: 'boolean', bool: 'boolean', string: 'string', binary: 'binary',
  date: 'date', timestamp: 'timestamp', timestamp_ltz: 'timestamp', timestamp_ntz: 'timestamp_ntz',
  void: 'void', variant: 'variant',
};

/** A primitive type. */
export const sparkPrimitive = (name: SparkPrimitiveName): SparkType => ({ kind: 'primitive', name });

function parseError(ddl: string, detail: string): MlflowException {
  return new MlflowException('INVALID_PARAMETER_VALUE', `Cannot parse Spark data type '${ddl}': ${detail}`);
}

class DdlParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos += 1;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  expect(char: string): void {
    if (this.peek() !== char) throw parseError(this.text, `expected '${char}' at position ${this.pos}`);
    this.pos += 1;
  }

  identifier(): string {
    this.skipSpace();
    if (this.text[this.pos] === '`') {
      let out = '';
      this.pos += 1;
      while (this.pos < this.text.length) {
        const char = this.text[this.pos]!;
        if (char === '`') {
          if (this.text[this.pos + 1] === '`') { out += '`'; this.pos += 2; continue; }
          this.pos += 1;
          return out;
        }
        out += char;
        this.pos += 1;
      }
      throw parseError(this.text, 'unterminated quoted identifier');
    }
    const match = /^[A-Za-z_0-9]+/.exec(this.text.slice(this.pos));
    if (match === null) throw parseError(this.text, `expected a name at position ${this.pos}`);
    this.pos += match[0].length;
    return match[0];
  }

  private integer(): number {
    this.skipSpace();
    const match = /^\d+/.exec(this.text.slice(this.pos));
    if (match === null) throw parseError(this.text, `expected a number at position ${this.pos}`);
    this.pos += match[0].length;
    return Number(match[0]);
  }

  type(): SparkType {
    const word = this.identifier().toLowerCase();
    if (word === 'array') {
      this.expect('<');
      const element = this.type();
      this.expect('>');
      return { kind: 'array', element };
    }
    if (word === 'map') {
      this.expect('<');
      const key = this.type();
      this.expect(',');
      const value = this.type();
      this.expect('>');
      return { kind: 'map', key, value };
    }
    if (word === 'struct') {
      this.expect('<');
      const fields = this.peek() === '>' ? [] : this.fields('>');
      this.expect('>');
      return { kind: 'struct', fields };
    }
    if (word === 'decimal' || word === 'dec' || word === 'numeric') {
      if (this.peek() !== '(') return { kind: 'decimal', precision: 10, scale: 0 };
      this.expect('(');
      const precision = this.integer();
      let scale = 0;
      if (this.peek() === ',') { this.expect(','); scale = this.integer(); }
      this.expect(')');
      return { kind: 'decimal', precision, scale };
    }
    if (word === 'varchar' || word === 'char') {
      this.expect('(');
      this.integer();
      this.expect(')');
      return sparkPrimitive('string');
    }
    const name = primitiveAliases[word];
    if (name === undefined) throw parseError(this.text, `unsupported data type '${word}'`);
    return sparkPrimitive(name);
  }

  /** `name[:] type [NOT NULL] [COMMENT '…'], …` up to `end` (not consumed). */
  fields(end: string | undefined): SparkField[] {
    const fields: SparkField[] = [];
    for (;;) {
      const name = this.identifier();
      if (this.peek() === ':') this.expect(':');
      const type = this.type();
      this.skipModifiers();
      fields.push({ name, type });
      if (this.peek() !== ',') break;
      this.expect(',');
    }
    if (end === undefined ? !this.atEnd() : this.peek() !== end) {
      throw parseError(this.text, `unexpected text at position ${this.pos}`);
    }
    return fields;
  }

  private skipModifiers(): void {
    for (;;) {
      const rest = this.text.slice(this.pos).replace(/^\s+/, '');
      const notNull = /^not\s+null\b/i.exec(rest);
      const comment = /^comment\s+'(?:[^'\\]|\\.)*'/i.exec(rest);
      const match = notNull ?? comment;
      if (match === null) return;
      this.pos = this.text.length - rest.length + match[0].length;
    }
  }
}

/**
 * Parses a Spark DDL type string as `spark_udf` accepts it: a type (`double`, `array<int>`,
 * `struct<a:int,b:string>`, `map<string,double>`, …) or a comma-separated field list
 * (`a int, b float`), which is a struct. `bool` is read as `boolean`.
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for text that is no Spark type.
 */
export function parseSparkType(ddl: string): SparkType {
  const text = ddl.trim();
  try {
    const parser = new DdlParser(text);
    const type = parser.type();
    if (parser.atEnd()) return type;
  } catch (error) {
    if (!MlflowException.isInstance(error)) throw error;
  }
  const parser = new DdlParser(text);
  return { kind: 'struct', fields: parser.fields(undefined) };
}

/** PySpark's `DataType.simpleString()`: `int`, `array<bigint>`, `struct<a:int,b:string>` (names unquoted). */
export function sparkTypeToDdl(type: SparkType): string {
  switch (type.kind) {
    case 'primitive': return type.name;
    case 'decimal': return `decimal(${type.precision},${type.scale})`;
    case 'array': return `array<${sparkTypeToDdl(type.element)}>`;
    case 'map': return `map<${sparkTypeToDdl(type.key)},${sparkTypeToDdl(type.value)}>`;
    case 'struct': return `struct<${type.fields.map((field) => `${field.name}:${sparkTypeToDdl(field.type)}`).join(',')}>`;
  }
}

/** A DDL that Spark's parser reads back to the same type (field names always quoted). */
export function sparkTypeToParsableDdl(type: SparkType): string {
  switch (type.kind) {
    case 'array': return `array<${sparkTypeToParsableDdl(type.element)}>`;
    case 'map': return `map<${sparkTypeToParsableDdl(type.key)},${sparkTypeToParsableDdl(type.value)}>`;
    case 'struct': return `struct<${type.fields.map((field) => `\`${field.name.replaceAll('`', '``')}\`:${sparkTypeToParsableDdl(field.type)}`).join(',')}>`;
    default: return sparkTypeToDdl(type);
  }
}

const reprNames: Record<SparkPrimitiveName, string> = {
  tinyint: 'ByteType', smallint: 'ShortType', int: 'IntegerType', bigint: 'LongType',
  float: 'FloatType', double: 'DoubleType', boolean: 'BooleanType', string: 'StringType',
  binary: 'BinaryType', date: 'DateType', timestamp: 'TimestampType', timestamp_ntz: 'TimestampNTZType',
  void: 'NullType', variant: 'VariantType',
};

/** PySpark's `repr()` of the type (`ArrayType(IntegerType(), True)`), as MLflow's messages print it. */
export function sparkTypeRepr(type: SparkType): string {
  switch (type.kind) {
    case 'primitive': return `${reprNames[type.name]}()`;
    case 'decimal': return `DecimalType(${type.precision},${type.scale})`;
    case 'array': return `ArrayType(${sparkTypeRepr(type.element)}, True)`;
    case 'map': return `MapType(${sparkTypeRepr(type.key)}, ${sparkTypeRepr(type.value)}, True)`;
    case 'struct': return `StructType([${type.fields.map((field) =>
      `StructField('${field.name}', ${sparkTypeRepr(field.type)}, True)`).join(', ')}])`;
  }
}

/** `str()` of a PySpark type in MLflow's messages (the same as its repr in PySpark ≥ 3.4). */
export const sparkTypeStr = sparkTypeRepr;

const udfPrimitives = new Set<SparkPrimitiveName>(['int', 'bigint', 'float', 'double', 'string', 'boolean']);

/**
 * MLflow's `_check_udf_return_type`: int, bigint, float, double, string, boolean, and arrays,
 * structs and string-keyed maps of those, at any depth.
 */
export function isValidUdfReturnType(type: SparkType): boolean {
  switch (type.kind) {
    case 'primitive': return udfPrimitives.has(type.name);
    case 'decimal': return false;
    case 'array': return isValidUdfReturnType(type.element);
    case 'struct': return type.fields.every((field) => isValidUdfReturnType(field.type));
    case 'map': return type.key.kind === 'primitive' && type.key.name === 'string' && isValidUdfReturnType(type.value);
  }
}

/**
 * Checks an explicit `result_type` (spark.md 4.2).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE "Invalid 'spark_udf' result type: …".
 */
export function checkUdfReturnType(type: SparkType): SparkType {
  if (isValidUdfReturnType(type)) return type;
  throw new MlflowException('INVALID_PARAMETER_VALUE', `Invalid 'spark_udf' result type: ${sparkTypeStr(type)}.
It must be one of the following types:
Primitive types:
- int
- long
- float
- double
- string
- boolean
Compound types:
- ND array of primitives / structs.
- struct<field: primitive | array<primitive> | array<array<primitive>>, ...>:
A struct with primitive, ND array<primitive/structs>,
e.g., struct<a:int, b:array<int>>.
`);
}

const dataTypeToSparkName: Record<string, SparkPrimitiveName> = {
  boolean: 'boolean', integer: 'int', long: 'bigint', float: 'float', double: 'double',
  string: 'string', binary: 'binary', datetime: 'timestamp',
};

/** numpy dtypes with an MLflow DataType (`DataType.from_numpy_type`). */
const numpyToSparkName: Record<string, SparkPrimitiveName> = {
  bool: 'boolean', int32: 'int', int64: 'bigint', float32: 'float', float64: 'double',
  str: 'string', bytes: 'binary', 'datetime64[ns]': 'timestamp',
};

function columnTypeToSpark(type: ColumnType): SparkType {
  if (typeof type === 'string') return sparkPrimitive(dataTypeToSparkName[type]!);
  if (type instanceof ArrayType) return { kind: 'array', element: columnTypeToSpark(type.items) };
  if (type instanceof ObjectType) {
    return { kind: 'struct', fields: type.properties.map((property) => ({ name: property.name, type: columnTypeToSpark(property.type) })) };
  }
  if (type instanceof MapType) return { kind: 'map', key: sparkPrimitive('string'), value: columnTypeToSpark(type.values) };
  if (type instanceof AnyType) return sparkPrimitive('variant');
  throw new MlflowException('INVALID_PARAMETER_VALUE', `Failed to convert schema type \`${String(type)}\` to spark type.`);
}

function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function outputSpecToSpark(spec: ColSpec | TensorSpec): SparkType {
  if (spec instanceof ColSpec) return columnTypeToSpark(spec.type);
  const name = numpyToSparkName[spec.dtype];
  if (name === undefined) {
    throw new MlflowException('INVALID_PARAMETER_VALUE', `Model output tensor spec type ${spec.dtype} is not supported in spark_udf.`);
  }
  if (spec.shape.length === 1) return { kind: 'array', element: sparkPrimitive(name) };
  if (spec.shape.length === 2) return { kind: 'array', element: { kind: 'array', element: sparkPrimitive(name) } };
  throw new MlflowException('INVALID_PARAMETER_VALUE', 'Only 1D or 2D tensors are supported as spark_udf ' +
    `return value, but model output '${spec.name === undefined ? 'None' : String(spec.name)}' has shape ${shapeRepr(spec.shape)}.`);
}

/**
 * `result_type=None` (spark.md 4.3): one output → its Spark type; several → a struct whose fields
 * are named by the outputs (or their index); no output schema → `double`. Not checked by
 * {@link checkUdfReturnType}, as in MLflow (an inferred `timestamp` works).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for tensor outputs of 3+ dimensions or
 * dtypes without an MLflow DataType.
 */
export function inferSparkResultType(outputSchema: Schema | undefined): SparkType {
  if (outputSchema === undefined || outputSchema.inputs.length === 0) return sparkPrimitive('double');
  const specs = outputSchema.inputs as readonly (ColSpec | TensorSpec)[];
  if (specs.length === 1) return outputSpecToSpark(specs[0]!);
  return {
    kind: 'struct',
    fields: specs.map((spec, index) => ({ name: spec.name === undefined ? String(index) : String(spec.name), type: outputSpecToSpark(spec) })),
  };
}

/**
 * Resolves `spark_udf`'s `result_type` against a model's output schema: `undefined`/`null` →
 * inferred (4.3); a DDL string → parsed and checked (4.1, 4.2).
 * @throws {MlflowException} INVALID_PARAMETER_VALUE for unparsable or unsupported types.
 */
export function resolveSparkResultType(resultType: string | SparkType | null | undefined, outputSchema: Schema | undefined): SparkType {
  if (resultType === undefined || resultType === null) return inferSparkResultType(outputSchema);
  return checkUdfReturnType(typeof resultType === 'string' ? parseSparkType(resultType === 'bool' ? 'boolean' : resultType) : resultType);
}
