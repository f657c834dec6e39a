/**
 * `@modelwatch/rules`: what Prometheus, Alertmanager and Grafana users drop
 * into their stack, generated from the same `modelwatch.yaml` and the same
 * alert catalogue the aggregator evaluates itself.
 * @module @modelwatch/rules
 */
export { ruleScopes, type RulesInput, type RulesModel, type RulesSlo, type RuleScope } from './input.js';
export { NAMINGS, RECORDED, labelName, seriesName, schemeOf, redFromServices, type Naming } from './naming.js';
export { alertExpr, alternation, contextTemplate, quote, scopeMatchers, selector, type Matcher } from './promql.js';
export {
  prometheusRules,
  prometheusRulesYaml,
  type AlertingRule,
  type GeneratedRules,
  type RecordingRule,
  type RuleGroup,
} from './prometheus-rules.js';
export { alertmanagerConfig, alertmanagerYaml, INHIBITED_BY_MODEL_DOWN, PLACEHOLDER, type AlertmanagerReceivers } from './alertmanager.js';
export { dashboardQueries, dashboardSpecs, VARIABLES, type DashboardSpec, type PanelQuery, type PanelSpec } from './dashboards/panels.js';
export { grafanaDashboards } from './dashboards/grafana.js';
