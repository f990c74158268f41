// The parts of a botocore service model (service-2.json) the emulator reads; see eb-service-model.ts.
export type ShapeType = 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'double' | 'float' | 'boolean' | 'timestamp' | 'blob';

export interface Shape {
  type: ShapeType;
  /** structure: member name → shape name. */
  members?: Record<string, string>;
  required?: string[];
  /** list: the member shape. */
  member?: string;
  key?: string;
  value?: string;
  /** string/blob: length; list: count; numbers: value. */
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  timestampFormat?: string;
  exception?: boolean;
  error?: { code?: string; httpStatusCode?: number };
}

export interface Operation {
  input?: string;
  output?: string;
  errors: string[];
}

export interface ServiceModel {
  apiVersion: string;
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`the service model has no shape ${name}`);
  return shape;
}
