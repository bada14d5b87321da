/** MLflow's fixed texts of the scoring protocol (serving.md 3, 4). */

/** The hint MLflow appends to format errors since 2.0. */
export const SCORING_PROTOCOL_CHANGE_INFO =
  'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, ' +
  'you are likely using an outdated scoring request format. To resolve the error, either update your request ' +
  "format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, " +
  "change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow " +
  'client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use ' +
  'the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, ' +
  'see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.';

/** The four classic format keys, in MLflow's declaration order. */
export const SUPPORTED_FORMATS = ['dataframe_records', 'dataframe_split', 'instances', 'inputs'] as const;

/** MLflow's `REQUIRED_INPUT_FORMAT` (the set's order varies per Python process; ours is fixed). */
export const REQUIRED_INPUT_FORMAT =
  "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}";

/** How much of a request body an error message may echo (divergence 6). */
export const ECHO_LIMIT = 1000;

/** A bounded prefix of `text` for error messages. */
export function abbreviate(text: string, limit = ECHO_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}... (${text.length - limit} more characters)` : text;
}
