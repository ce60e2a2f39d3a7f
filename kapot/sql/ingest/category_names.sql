-- Products whose category is a code get the name from the categories table.
UPDATE products SET category = c.category FROM categories c
WHERE products.category = c.category_id
