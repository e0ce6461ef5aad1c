-- Demo catalog: 4 categories, 28 products, one SVG image each under wwwroot/images/products.
INSERT INTO categories (slug, name, position) VALUES ('coffee', 'Coffee', 0);
INSERT INTO categories (slug, name, position) VALUES ('tea', 'Tea', 1);
INSERT INTO categories (slug, name, position) VALUES ('brewing', 'Brewing gear', 2);
INSERT INTO categories (slug, name, position) VALUES ('cups', 'Cups and mugs', 3);
INSERT INTO products (category_id, name, description, price_minor, currency, image_url, stock) VALUES
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Ethiopia Yirgacheffe', 'Bright, floral light roast with notes of lemon and jasmine.', 1490, 'EUR', '/images/products/ethiopia-yirgacheffe.svg', 40),
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Colombia Supremo', 'Balanced medium roast, caramel sweetness and a round body.', 1290, 'EUR', '/images/products/colombia-supremo.svg', 12),
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Sumatra Mandheling', 'Earthy dark roast with low acidity and a long finish.', 1390, 'EUR', '/images/products/sumatra-mandheling.svg', 60),
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Espresso Blend', 'Chocolatey blend roasted for a thick, sweet crema.', 1190, 'EUR', '/images/products/espresso-blend.svg', 8),
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Decaf Swiss Water', 'Chemical-free decaf that still tastes like coffee.', 1250, 'EUR', '/images/products/decaf-swiss-water.svg', 30),
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Kenya AA', 'Juicy blackcurrant acidity, a connoisseur''s favourite.', 1690, 'EUR', '/images/products/kenya-aa.svg', 100),
    ((SELECT id FROM categories WHERE slug = 'coffee'), 'Guatemala Antigua', 'Cocoa and spice from volcanic soil.', 1350, 'EUR', '/images/products/guatemala-antigua.svg', 25),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Sencha Green', 'Grassy Japanese green tea, steamed and rolled.', 990, 'EUR', '/images/products/sencha-green.svg', 40),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Assam Breakfast', 'Malty black tea that stands up to milk.', 790, 'EUR', '/images/products/assam-breakfast.svg', 12),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Earl Grey', 'Black tea scented with bergamot oil.', 850, 'EUR', '/images/products/earl-grey.svg', 60),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Chamomile Flowers', 'Whole flowers for a calm evening cup.', 690, 'EUR', '/images/products/chamomile-flowers.svg', 8),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Jasmine Pearls', 'Hand-rolled green tea scented with jasmine blossoms.', 1490, 'EUR', '/images/products/jasmine-pearls.svg', 30),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Rooibos Vanilla', 'Caffeine-free red bush with a hint of vanilla.', 750, 'EUR', '/images/products/rooibos-vanilla.svg', 100),
    ((SELECT id FROM categories WHERE slug = 'tea'), 'Oolong Tie Guan Yin', 'Floral, creamy, rolled oolong from Fujian.', 1290, 'EUR', '/images/products/oolong-tie-guan-yin.svg', 25),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'Pour-over Dripper', 'Ceramic cone dripper for size 02 filters.', 2490, 'EUR', '/images/products/pour-over-dripper.svg', 40),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'Paper Filters 100', 'Unbleached paper filters, size 02.', 590, 'EUR', '/images/products/paper-filters-100.svg', 12),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'French Press 1 l', 'Borosilicate glass and stainless steel plunger.', 3490, 'EUR', '/images/products/french-press-1-l.svg', 60),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'Gooseneck Kettle', 'Precise pour with a thermometer in the lid.', 4990, 'EUR', '/images/products/gooseneck-kettle.svg', 8),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'Hand Grinder', 'Ceramic burrs, 40 click settings.', 5990, 'EUR', '/images/products/hand-grinder.svg', 30),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'Digital Scale', '0.1 g resolution with a built-in timer.', 2990, 'EUR', '/images/products/digital-scale.svg', 100),
    ((SELECT id FROM categories WHERE slug = 'brewing'), 'Cold Brew Jar', 'Two litre jar with a fine mesh filter.', 2790, 'EUR', '/images/products/cold-brew-jar.svg', 25),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Stoneware Mug', 'Hand-glazed 350 ml mug, dishwasher safe.', 1800, 'EUR', '/images/products/stoneware-mug.svg', 40),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Espresso Cups (2)', 'Thick-walled porcelain keeps espresso hot.', 2200, 'EUR', '/images/products/espresso-cups-2.svg', 12),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Double-wall Glass', 'Insulated glass, cool to the touch.', 1600, 'EUR', '/images/products/double-wall-glass.svg', 60),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Travel Tumbler', 'Leak-proof lid, keeps drinks hot for 6 hours.', 2900, 'EUR', '/images/products/travel-tumbler.svg', 8),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Tea Bowl', 'Wide matcha bowl thrown on the wheel.', 3400, 'EUR', '/images/products/tea-bowl.svg', 30),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Latte Glass (4)', 'Tall glasses for layered milk drinks.', 2400, 'EUR', '/images/products/latte-glass-4.svg', 100),
    ((SELECT id FROM categories WHERE slug = 'cups'), 'Kids'' Cocoa Mug', 'Small, sturdy and hard to tip over.', 1200, 'EUR', '/images/products/kids-cocoa-mug.svg', 25);
