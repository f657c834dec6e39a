/**
 * Grafana dashboards from the panel specs, built with Grafana's own Foundation
 * SDK (`@grafana/grafana-foundation-sdk`, the builders Grafana Labs generates
 * from its schemas, dashboard schema v1), so the JSON follows the schema of
 * the Grafana versions it targets instead of a hand-kept copy of it.
 *
 * @module
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  type Dashboard,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { METRIC_ML_DRIFT_SEVERITY, METRIC_ML_MODEL_UP } from '@modelwatch/semconv';
import { labelName, seriesName, type Naming } from '../naming.js';
import { dashboardSpecs, type DashboardSpec, type PanelSpec } from './panels.js';

const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

function thresholds(spec: PanelSpec): ThresholdsConfigBuilder | undefined {
  if (!spec.thresholds) return undefined;
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(spec.thresholds.map((t) => ({ value: t.value, color: t.color })));
}

function mappings(spec: PanelSpec): ValueMapping[] | undefined {
  if (!spec.mappings) return undefined;
  const options: Record<string, { text: string; index: number }> = {};
  Object.entries(spec.mappings).forEach(([value, text], index) => (options[value] = { text, index }));
  return [{ type: MappingType.ValueToText, options }];
}

function targets(spec: PanelSpec): DataqueryBuilder[] {
  return spec.queries.map((q, i) => {
    const b = new DataqueryBuilder().expr(q.expr).legendFormat(q.legend || '__auto').refId(String.fromCharCode(65 + i));
    return q.instant ? b.instant() : b.range();
  });
}

/** The field options every panel builder has under the same names. */
interface FieldOptions {
  unit(unit: string): unknown;
  min(min: number): unknown;
  max(max: number): unknown;
  thresholds(t: ThresholdsConfigBuilder): unknown;
  mappings(m: ValueMapping[]): unknown;
}

function fieldOptions(p: FieldOptions, spec: PanelSpec): void {
  const t = thresholds(spec);
  const m = mappings(spec);
  if (spec.unit) p.unit(spec.unit);
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  if (t) p.thresholds(t);
  if (m) p.mappings(m);
}

/** One panel at grid position (x, y, w, h). */
function panel(spec: PanelSpec, pos: { x: number; y: number; w: number; h: number }): StatPanel | TablePanel | TimeseriesPanel {
  const t = thresholds(spec);
  const m = mappings(spec);
  switch (spec.kind) {
    case 'stat': {
      const p = new StatPanel().title(spec.title).description(spec.description).datasource(DATASOURCE).gridPos(pos).colorMode(common.BigValueColorMode.Background).graphMode(common.BigValueGraphMode.Area);
      for (const q of targets(spec)) p.withTarget(q);
      fieldOptions(p, spec);
      return p;
    }
    case 'table': {
      const p = new TablePanel().title(spec.title).description(spec.description).datasource(DATASOURCE).gridPos(pos);
      for (const q of targets(spec)) p.withTarget(q.format(PromQueryFormat.Table));
      if (t) p.thresholds(t);
      if (m) p.mappings(m);
      return p;
    }
    case 'timeseries': {
      const p = new TimeseriesPanel().title(spec.title).description(spec.description).datasource(DATASOURCE).gridPos(pos);
      for (const q of targets(spec)) p.withTarget(q);
      fieldOptions(p, spec);
      if (spec.thresholdLines) p.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
      return p;
    }
  }
}

/** Lays panels out row by row: stats four to a row, time series two, tables full width. */
function layout(panels: readonly PanelSpec[]): Array<{ x: number; y: number; w: number; h: number }> {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return panels.map((p) => {
    const w = p.kind === 'stat' ? 6 : p.kind === 'table' ? 24 : 12;
    const h = p.kind === 'stat' ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowH = Math.max(rowH, h);
    return pos;
  });
}

function build(spec: DashboardSpec, naming: Naming): Dashboard {
  const model = labelName('ml.model.name', naming);
  const d = new DashboardBuilder(spec.title)
    .uid(spec.id)
    .description(spec.description)
    .tags(['modelwatch', 'ml'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('model')
        .label('Model')
        .datasource(DATASOURCE)
        .query(`label_values(${seriesName(METRIC_ML_MODEL_UP, naming)}, ${model})`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    );
  if (spec.featureVariable) {
    d.withVariable(
      new QueryVariableBuilder('feature')
        .label('Feature')
        .datasource(DATASOURCE)
        .query(`label_values(${seriesName(METRIC_ML_DRIFT_SEVERITY, naming)}{${model}=~"$model",${labelName('ml.drift.subject', naming)}="feature"}, ${labelName('ml.feature.name', naming)})`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    );
  }
  const positions = layout(spec.panels);
  spec.panels.forEach((p, i) => d.withPanel(panel(p, positions[i] as { x: number; y: number; w: number; h: number })));
  return d.build();
}

/** The four dashboards as Grafana JSON, by file name (`modelwatch-health.json`, ...). */
export function grafanaDashboards(naming: Naming): Record<string, Dashboard> {
  const out: Record<string, Dashboard> = {};
  for (const spec of dashboardSpecs(naming)) out[`${spec.id}.json`] = build(spec, naming);
  return out;
}
