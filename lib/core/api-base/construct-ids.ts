/**
 * A construct-id word from a name or a path: its letters and digits, each run capitalized and
 * joined (`payment-service` -> `PaymentService`, `lambda/items/handler` -> `LambdaItemsHandler`).
 */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
