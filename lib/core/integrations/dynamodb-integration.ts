import { Token } from 'aws-cdk-lib';
import { JsonSchemaType } from 'aws-cdk-lib/aws-apigateway';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { awsServiceRestConfig, ServiceErrorFormat, errorAnswerLines, methodHasBody, serviceResponses, vtlJsonString } from './aws-service-integration';
import { Integration, restServiceUri } from './integration';
import type { RestIntegrationConfig, RouteBinding } from './integration';
import { serviceIntegrationRole } from './service-role';

/** What a {@link RouteIntegration.dynamoDb} route does with the table. */
export enum DynamoDbAction {
  /**
   * Reads one item by its key: 200 with the item as plain JSON, 404 when there is none.
   */
  GET_ITEM = 'GetItem',
  /**
   * Writes the request's JSON body as one item (replacing any item with the same key, unless
   * `preventOverwrite`): every top-level field becomes a string attribute. Answers 200 `{}`.
   */
  PUT_ITEM = 'PutItem',
  /**
   * Reads the items of one partition key (of the table or of `indexName`): 200
   * `{"items": [...], "truncated": false}`, the first page only (DynamoDB pages at 1 MB, or `limit`).
   */
  QUERY = 'Query',
}

/** Where a request carries the value of a key attribute. */
export enum DynamoDbKeySource {
  /** A path parameter of the route, e.g. `{id}` in `GET /items/{id}`. */
  PATH_PARAMETER = 'path',
  /** A query string parameter, e.g. `?id=...` (declared as required on the method). */
  QUERY_STRING = 'querystring',
  /** A top-level field of the JSON body (routes whose method has a body). */
  BODY = 'body',
}

/** One key attribute of a {@link RouteIntegration.dynamoDb} route and where its value comes from. */
export interface DynamoDbKeyAttribute {
  /**
   * The attribute's name in the table. Letters, digits and `_ . -`, at most 255 characters (it is
   * written into mapping templates).
   */
  readonly attributeName: string;
  /** Where the request carries the value. */
  readonly source: DynamoDbKeySource;
  /**
   * The path parameter, query string parameter or body field that holds the value: a letter or `_`,
   * then letters, digits or `_`.
   * @default - the attribute name
   */
  readonly name?: string;
  /**
   * The attribute's type in the table: `AttributeType.STRING` or `AttributeType.NUMBER` (binary keys
   * are not offered). A number key must hold a number: DynamoDB refuses anything else with 400.
   * @default AttributeType.STRING
   */
  readonly attributeType?: AttributeType;
}

/** The key of the items a {@link RouteIntegration.dynamoDb} route reads or writes. */
export interface DynamoDbKeyMapping {
  /** The partition key. */
  readonly partitionKey: DynamoDbKeyAttribute;
  /**
   * The sort key: part of the key for `GET_ITEM` and `PUT_ITEM`, an equality condition for `QUERY`.
   * @default - the table (or index) has no sort key, or a `QUERY` reads the whole partition
   */
  readonly sortKey?: DynamoDbKeyAttribute;
}

/** Options of {@link RouteIntegration.dynamoDb}. */
export interface DynamoDbIntegrationOptions {
  /** What the route does with the table. */
  readonly action: DynamoDbAction;
  /** The key attributes and where each route request carries their values. A route without one fails at synth. */
  readonly key: DynamoDbKeyMapping;
  /**
   * `QUERY` only: the global or local secondary index to query, whose key `key` then describes.
   * @default - the table itself
   */
  readonly indexName?: string;
  /**
   * `QUERY` only: the largest number of items in an answer (1 to 1,000).
   * @default - as many as DynamoDB returns in one page (1 MB)
   */
  readonly limit?: number;
  /**
   * `PUT_ITEM` only: refuse to replace an existing item with the same key; the request then
   * answers 409.
   * @default false
   */
  readonly preventOverwrite?: boolean;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
const REQUEST_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const QUERY_LIMIT_MAX = 1000;

/**
 * KMS actions a caller needs on a table's customer managed key: those of aws-cdk-lib's table read and
 * write grants, with their wildcards (`kms:ReEncrypt*`, `kms:GenerateDataKey*`) spelled out.
 */
const KMS_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_WRITE = [...KMS_READ, 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'];

/** The statement of each role's one DynamoDB action, to which each route adds its table or index ARN. */
const STATEMENTS = new WeakMap<IRole, PolicyStatement>();

/**
 * A REST API route served by DynamoDB itself, without a function: `GetItem`, `PutItem` or `Query`
 * on one table, with the key taken from the path, the query string or the body. REST APIs only
 * (HTTP APIs offer no DynamoDB integration).
 *
 * Answers are plain JSON: string, number, boolean and null attributes become JSON values; maps,
 * lists, sets and binary attributes keep their DynamoDB JSON form (`{"SS": ["a", "b"]}`). Errors are
 * mapped by their `__type` (see `serviceResponses`): 400 for requests DynamoDB refuses as invalid,
 * 409 for a failed `preventOverwrite` (or a write that met a transaction), 429 when throttled, 500
 * for a misconfiguration (no detail), 502 when DynamoDB fails.
 *
 * API Gateway calls DynamoDB with a role of its own, allowed only the route's action on this table
 * (or the queried index), plus the table's customer managed key when it has one.
 */
export class DynamoDbIntegration extends Integration {
  public readonly kindName = 'RouteIntegration.dynamoDb';

  /**
   * @param table the table the route reads or writes
   * @param options the action, the key mapping and the action's options
   */
  constructor(
    public readonly table: ITable,
    public readonly options: DynamoDbIntegrationOptions,
  ) {
    super();
    const prop = 'RouteIntegration.dynamoDb(table, options)';
    const fail = (id: string, message: string): never => {
      throw new ApiPatternsError(id, `${prop}: ${message}`, table);
    };
    const action = options?.action;
    if (!Object.values(DynamoDbAction).includes(action)) {
      fail('DynamoDbOptionInvalid', `options.action must be one of ${Object.values(DynamoDbAction).join(', ')}. Got: ${describeValue(action)}`);
    }
    if (!options?.key?.partitionKey) {
      fail('DynamoDbKeyMissing', `options.key.partitionKey is required: it says which request value is the item's key. Got: ${describeValue(options?.key)}`);
    }
    checkKeyAttribute(fail, 'options.key.partitionKey', options.key.partitionKey);
    if (options.key.sortKey) {
      checkKeyAttribute(fail, 'options.key.sortKey', options.key.sortKey);
      if (options.key.sortKey.attributeName === options.key.partitionKey.attributeName) {
        fail('DynamoDbKeyInvalid', `options.key.sortKey.attributeName must differ from the partition key's. Got: ${describeValue(options.key.sortKey.attributeName)}`);
      }
    }
    const query = action === DynamoDbAction.QUERY;
    if (options.indexName !== undefined) {
      if (!query) fail('DynamoDbOptionInvalid', `options.indexName applies to DynamoDbAction.QUERY only. Got: ${describeValue(options.indexName)} with ${action}`);
      if (!Token.isUnresolved(options.indexName) && !INDEX_NAME.test(options.indexName)) {
        fail('DynamoDbOptionInvalid', `options.indexName must be 3 to 255 letters, digits or '_ . -'. Got: ${describeValue(options.indexName)}`);
      }
    }
    if (options.limit !== undefined) {
      if (!query) fail('DynamoDbOptionInvalid', `options.limit applies to DynamoDbAction.QUERY only. Got: ${options.limit} with ${action}`);
      if (!Token.isUnresolved(options.limit) && (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > QUERY_LIMIT_MAX)) {
        fail('DynamoDbOptionInvalid', `options.limit must be an integer from 1 to ${QUERY_LIMIT_MAX}. Got: ${options.limit}`);
      }
    }
    if (options.preventOverwrite !== undefined && action !== DynamoDbAction.PUT_ITEM) {
      fail('DynamoDbOptionInvalid', `options.preventOverwrite applies to DynamoDbAction.PUT_ITEM only. Got: ${options.preventOverwrite} with ${action}`);
    }
  }

  /** @internal */
  public _bindRest(binding: RouteBinding): RestIntegrationConfig {
    const keys = this.keyAttributes();
    this.checkRoute(binding, keys);
    const responses = serviceResponses(binding, {
      errorFormat: ServiceErrorFormat.JSON_PROTOCOL,
      // A failed preventOverwrite condition; a write that met an ongoing transaction on the item.
      conflictCodes: ['ConditionalCheckFailed', 'TransactionConflict'],
      successTemplate: this.answerTemplate(),
      successStatuses: {
        '200': SUCCESS_DESCRIPTIONS[this.options.action],
        ...(this.options.action === DynamoDbAction.GET_ITEM ? { '404': 'No item has this key' } : {}),
      },
    });
    const requestParameters = Object.fromEntries(
      keys.filter((k) => k.attribute.source === DynamoDbKeySource.QUERY_STRING).map((k) => [`method.request.querystring.${k.name}`, true]),
    );
    const bodySchema = this.bodySchema(keys);
    return awsServiceRestConfig({
      uri: restServiceUri(binding.scope, 'dynamodb', this.options.action),
      role: this.role(binding),
      requestTemplate: this.requestTemplate(keys),
      responses,
      methodParameters: requestParameters,
      bodySchema,
    });
  }

  /** The key attributes with their request names and template variables. */
  private keyAttributes(): ResolvedKey[] {
    const { partitionKey, sortKey } = this.options.key;
    const resolve = (attribute: DynamoDbKeyAttribute, variable: string, placeholder: string): ResolvedKey => ({
      attribute,
      name: attribute.name ?? attribute.attributeName,
      variable,
      placeholder,
      typeCode: attribute.attributeType === AttributeType.NUMBER ? 'N' : 'S',
    });
    return [resolve(partitionKey, '$pkValue', 'pk'), ...(sortKey ? [resolve(sortKey, '$skValue', 'sk')] : [])];
  }

  /** Fails when a key comes from a path parameter the route lacks, or from the body of a route without one. */
  private checkRoute(binding: RouteBinding, keys: ResolvedKey[]): void {
    const which = (k: ResolvedKey) => (k.placeholder === 'pk' ? 'partitionKey' : 'sortKey');
    for (const k of keys) {
      if (k.attribute.source === DynamoDbKeySource.PATH_PARAMETER && !binding.route.parameters.includes(k.name)) {
        throw new ApiPatternsError(
          'DynamoDbKeyParameterUnknown',
          `${binding.prop}.integration: ${this.kindName} options.key.${which(k)} reads the path parameter ${describeValue(k.name)}, which the route ${describeValue(binding.route.key)} does not have. Got: ${describeValue(binding.route.parameters)}`,
          binding.scope,
        );
      }
      if (k.attribute.source === DynamoDbKeySource.BODY && !methodHasBody(binding)) {
        throw new ApiPatternsError(
          'DynamoDbKeySourceInvalid',
          `${binding.prop}.integration: ${this.kindName} options.key.${which(k)} reads the body, but ${binding.route.method} requests carry none; use a path parameter or a query string. Got: ${describeValue(binding.route.key)}`,
          binding.scope,
        );
      }
    }
    if (this.options.action === DynamoDbAction.PUT_ITEM && !methodHasBody(binding)) {
      throw new ApiPatternsError(
        'DynamoDbKeySourceInvalid',
        `${binding.prop}.integration: ${this.kindName} with DynamoDbAction.PUT_ITEM writes the request body, but ${binding.route.method} requests carry none; use POST, PUT or PATCH. Got: ${describeValue(binding.route.key)}`,
        binding.scope,
      );
    }
  }

  /** The body schema: key fields read from the body are required, and a written item holds string fields only. */
  private bodySchema(keys: ResolvedKey[]): JsonSchema | undefined {
    const bodyKeys = keys.filter((k) => k.attribute.source === DynamoDbKeySource.BODY);
    const put = this.options.action === DynamoDbAction.PUT_ITEM;
    if (bodyKeys.length === 0 && !put) return undefined;
    const properties: Record<string, JsonSchema> = Object.fromEntries(
      bodyKeys.map((k) => [k.name, { type: k.typeCode === 'N' ? JsonSchemaType.NUMBER : JsonSchemaType.STRING, ...(k.typeCode === 'S' ? { minLength: 1 } : {}) }]),
    );
    return {
      type: JsonSchemaType.OBJECT,
      properties,
      ...(bodyKeys.length > 0 ? { required: bodyKeys.map((k) => k.name) } : {}),
      ...(put ? { additionalProperties: { type: JsonSchemaType.STRING } } : {}),
    };
  }

  /** The request mapping template of the action. */
  private requestTemplate(keys: ResolvedKey[]): string {
    const lines = keys.map((k) => `#set(${k.variable} = "${requestValue(k)}")`);
    const table = `"TableName": "${this.table.tableName}"`;
    const value = (k: ResolvedKey) => `{"${k.typeCode}": "${vtlJsonString(k.variable)}"}`;
    const keyObject = keys.map((k) => `${JSON.stringify(k.attribute.attributeName)}: ${value(k)}`).join(', ');
    switch (this.options.action) {
      case DynamoDbAction.GET_ITEM:
        lines.push(`{${table}, "Key": {${keyObject}}}`);
        break;
      case DynamoDbAction.PUT_ITEM: {
        // Every other top-level field of the body becomes a string attribute; the key's own names are skipped.
        const skipped = [...new Set(keys.flatMap((k) => [k.attribute.attributeName, ...(k.attribute.source === DynamoDbKeySource.BODY ? [k.name] : [])]))];
        const condition = this.options.preventOverwrite
          ? `, "ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": ${JSON.stringify(keys[0].attribute.attributeName)}}`
          : '';
        lines.push(
          "#set($body = $input.path('$'))",
          `{${table}, "Item": {${keyObject}`,
          '#foreach($field in $body.keySet())',
          `#if(${skipped.map((n) => `$field != '${n}'`).join(' && ')})`,
          `, "${vtlJsonString('$field')}": {"S": "${vtlJsonString('"$!body.get($field)"')}"}`,
          '#end',
          '#end',
          `}${condition}}`,
        );
        break;
      }
      case DynamoDbAction.QUERY: {
        const names = keys.map((k) => `"#${k.placeholder}": ${JSON.stringify(k.attribute.attributeName)}`).join(', ');
        const values = keys.map((k) => `":${k.placeholder}": ${value(k)}`).join(', ');
        const condition = keys.map((k) => `#${k.placeholder} = :${k.placeholder}`).join(' AND ');
        const index = this.options.indexName ? `, "IndexName": "${this.options.indexName}"` : '';
        const limit = this.options.limit ? `, "Limit": ${this.options.limit}` : '';
        lines.push(`{${table}${index}, "KeyConditionExpression": "${condition}", "ExpressionAttributeNames": {${names}}, "ExpressionAttributeValues": {${values}}${limit}}`);
        break;
      }
    }
    return lines.join('\n');
  }

  /** The success answer template of the action. */
  private answerTemplate(): string {
    switch (this.options.action) {
      case DynamoDbAction.GET_ITEM:
        return [
          "#set($item = $input.path('$.Item'))",
          '#if("$!item" == "")',
          ...errorAnswerLines('404', 'No item has this key'),
          '#else',
          unmarshalItem('$item', '$.Item'),
          '#end',
        ].join('\n');
      case DynamoDbAction.PUT_ITEM:
        return '{}';
      case DynamoDbAction.QUERY:
        return [
          "#set($items = $input.path('$.Items'))",
          '#set($itemIndex = 0)',
          `{"items": [#foreach($item in $items)${unmarshalItem('$item', '$.Items[$itemIndex]')}#if($foreach.hasNext),#end#set($itemIndex = $itemIndex + 1)#end],`,
          ` "truncated": #if("$!input.path('$.LastEvaluatedKey')" == "")false#{else}true#end}`,
        ].join('\n');
    }
  }

  /** One role per API, table and action: the action on the table ARN (or each queried index ARN), and the table's key. */
  private role(binding: RouteBinding): IRole {
    const action = `dynamodb:${this.options.action}`;
    let created: PolicyStatement | undefined;
    const role = serviceIntegrationRole(binding.scope, this.table, action, (r) => {
      // The action's statement gathers the table and index ARNs of every route that uses the role.
      created = new PolicyStatement({ actions: [action] });
      r.addToPrincipalPolicy(created);
      this.table.encryptionKey?.grant(r, ...(this.options.action === DynamoDbAction.PUT_ITEM ? KMS_WRITE : KMS_READ));
    });
    if (created) STATEMENTS.set(role, created);
    const statement = STATEMENTS.get(role)!;
    const arn = this.options.indexName ? `${this.table.tableArn}/index/${this.options.indexName}` : this.table.tableArn;
    if (!statement.resources.includes(arn)) statement.addResources(arn);
    return role;
  }
}

/** A key attribute with what the templates need of it. */
interface ResolvedKey {
  readonly attribute: DynamoDbKeyAttribute;
  /** The path parameter, query string or body field name. */
  readonly name: string;
  /** Its template variable. */
  readonly variable: string;
  /** Its placeholder in expressions: `#pk` / `:pk`. */
  readonly placeholder: string;
  /** `S` or `N`. */
  readonly typeCode: string;
}

const SUCCESS_DESCRIPTIONS: Record<DynamoDbAction, string> = {
  [DynamoDbAction.GET_ITEM]: 'The item, as plain JSON',
  [DynamoDbAction.PUT_ITEM]: 'The item is stored',
  [DynamoDbAction.QUERY]: 'The items of the partition (first page), as plain JSON',
};

/** Checks one key attribute's names and type. */
function checkKeyAttribute(fail: (id: string, message: string) => never, prop: string, attribute: DynamoDbKeyAttribute): void {
  if (!Object.values(DynamoDbKeySource).includes(attribute.source)) {
    fail('DynamoDbKeyInvalid', `${prop}.source must be one of DynamoDbKeySource.${Object.keys(DynamoDbKeySource).join(', DynamoDbKeySource.')}. Got: ${describeValue(attribute.source)}`);
  }
  if (!ATTRIBUTE_NAME.test(attribute.attributeName ?? '')) {
    fail('DynamoDbKeyInvalid', `${prop}.attributeName must be 1 to 255 letters, digits or '_ . -'. Got: ${describeValue(attribute.attributeName)}`);
  }
  const name = attribute.name ?? attribute.attributeName;
  if (!REQUEST_NAME.test(name)) {
    fail(
      'DynamoDbKeyInvalid',
      `${prop}.name must be a letter or '_' followed by letters, digits or '_'${attribute.name === undefined ? ' (it defaults to attributeName: set it when the request names the value differently)' : ''}. Got: ${describeValue(name)}`,
    );
  }
  if (attribute.attributeType !== undefined && attribute.attributeType !== AttributeType.STRING && attribute.attributeType !== AttributeType.NUMBER) {
    fail('DynamoDbKeyInvalid', `${prop}.attributeType must be AttributeType.STRING or AttributeType.NUMBER. Got: ${describeValue(attribute.attributeType)}`);
  }
}

/** The VTL reference to a key's request value, rendered as text (empty when the request lacks it: DynamoDB then answers 400). */
function requestValue(k: ResolvedKey): string {
  switch (k.attribute.source) {
    case DynamoDbKeySource.PATH_PARAMETER:
      return `$!input.params().path.get('${k.name}')`;
    case DynamoDbKeySource.QUERY_STRING:
      return `$!input.params().querystring.get('${k.name}')`;
    case DynamoDbKeySource.BODY:
      return `$!input.path('$.${k.name}')`;
  }
}

/**
 * VTL writing the item in `itemVar` (a DynamoDB JSON item at `itemPath`) as plain JSON: S, N, BOOL
 * and NULL attributes as JSON values, any other type as its DynamoDB JSON value.
 */
function unmarshalItem(itemVar: string, itemPath: string): string {
  return [
    `{#foreach($attrName in ${itemVar}.keySet())#set($attr = ${itemVar}.get($attrName))`,
    `"${vtlJsonString('$attrName')}": `,
    `#if($attr.containsKey('S'))"${vtlJsonString('$attr.S')}"`,
    "#elseif($attr.containsKey('N'))${attr.N}",
    "#elseif($attr.containsKey('BOOL'))${attr.BOOL}",
    "#elseif($attr.containsKey('NULL'))null",
    `#{else}$input.json("${itemPath}['$attrName']")#end`,
    '#if($foreach.hasNext),#end#end}',
  ].join('');
}
