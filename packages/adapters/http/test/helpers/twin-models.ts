/**
 * TypeScript twins of the Python models in test/oracle/ops_http.py: the same MLmodel (read from
 * the directory MLflow wrote), the same behaviour, run in-process.
 */
import { Frame, MlflowException, Model } from '@pyfunc/format';
import { PyFuncModel } from '@pyfunc/runtime';

/** The echo model: returns its input; a frame with `__action` raises or sleeps like the Python one. */
export async function echoTwin(modelDir: string): Promise<PyFuncModel> {
  const metadata = await Model.load(modelDir);
  return new PyFuncModel(metadata, {
    async doPredict(data) {
      if (data instanceof Frame && data.hasColumn('__action') && data.numRows > 0) {
        const action = data.series('__action').get(0);
        if (action === 'value_error') throw new Error('the model refused this input');
        if (action === 'mlflow_error') throw new MlflowException('RESOURCE_EXHAUSTED', 'too many');
        if (action === 'sleep') await new Promise((resolve) => setTimeout(resolve, Number(data.series('__seconds').get(0)) * 1000));
      }
      return data;
    },
  });
}

/** The params model: `{"params": params, "n": len(input)}`. */
export async function paramsTwin(modelDir: string): Promise<PyFuncModel> {
  const metadata = await Model.load(modelDir);
  return new PyFuncModel(metadata, {
    async doPredict(data, params) {
      const n = data instanceof Frame ? data.numRows : Array.isArray(data) ? data.length : Object.keys(data as object).length;
      return { params: params ?? null, n };
    },
  });
}
